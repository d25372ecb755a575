"""Two NetBox launchers on one machine take turns: the second waits for the first (which may be
migrating for minutes) instead of dropping the database under it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from devtools.netbox.launcher import exclusive
from devtools.netbox.paths import NetBoxPaths

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from devtools.netbox.launcher import exclusive
    from devtools.netbox.paths import NetBoxPaths
    with exclusive(NetBoxPaths(cache=Path(sys.argv[1])), say=print):
        print("holding", flush=True)
        sys.stdin.readline()  # hold the lock until the test lets go
    print("released", flush=True)
""")


def test_a_second_launcher_waits_for_the_first(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        said: list[str] = []
        entered = threading.Event()

        def second() -> None:
            with exclusive(NetBoxPaths(cache=tmp_path), say=said.append):
                entered.set()

        thread = threading.Thread(target=second)
        thread.start()
        for _ in range(300):  # it says so before it blocks
            if said:
                break
            time.sleep(0.1)
        assert said == ["another NetBox launcher is at work on this machine; waiting for it"]
        assert not entered.is_set(), "the second launcher went ahead while the first held the lock"
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert entered.wait(30), "the second launcher never got its turn"
        thread.join(30)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(30)


def test_one_launcher_alone_does_not_wait(tmp_path: Path) -> None:
    said: list[str] = []
    with exclusive(NetBoxPaths(cache=tmp_path), say=said.append):
        pass
    with exclusive(NetBoxPaths(cache=tmp_path), say=said.append):
        pass
    assert said == []
