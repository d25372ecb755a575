"""`colo audit verify|witness|checkpoint|keys` as an operator runs them, on a real SQLite log."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from audit.store import open_store
from colo.crypto import b64encode
from tests import audit_support as support


def colo(*args: str, url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLO_DATABASE_URL": url, "COLO_ENV": "test",
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "COLO_AUDIT_ORIGIN": support.ORIGIN,
           "COLO_AUDIT_SIGNING_KEY": f"t1:{b64encode(support.SEED)}"}
    return subprocess.run([str(Path(sys.executable).parent / "colo"), "audit", *args], cwd=support.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(300)
async def test_operator_verifies_witnesses_and_catches_an_edited_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colo.sqlite3'}"
    support.migrate_in_subprocess(url)
    store = await open_store(url)
    await support.append(store, 30, tag="cli")
    await store.close()

    keys = colo("keys", url=url, tmp_path=tmp_path)
    assert keys.returncode == 0 and keys.stdout.startswith(f"{support.ORIGIN}+")
    checkpoint = colo("checkpoint", url=url, tmp_path=tmp_path)
    assert checkpoint.stdout.splitlines()[:2] == [support.ORIGIN, "30"]
    (tmp_path / "cp.note").write_text(checkpoint.stdout)

    first = colo("verify", "--state", str(tmp_path / "verifier"), url=url, tmp_path=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "OK: 30 entries" in first.stdout and "trusted size 0 -> 30" in first.stdout
    witnessed = colo("witness", "--state", str(tmp_path / "witness"), url=url, tmp_path=tmp_path)
    assert witnessed.returncode == 0 and "witnessed size 30" in witnessed.stdout

    export = tmp_path / "export.jsonl"
    with sqlite3.connect(tmp_path / "colo.sqlite3") as db:
        export.write_text("".join(body + "\n" for (body,) in db.execute("SELECT body FROM audit_entry ORDER BY idx")))
    from_export = colo("verify", "--export", str(export), "--checkpoint", str(tmp_path / "cp.note"),
                       url=url, tmp_path=tmp_path)
    assert from_export.returncode == 0, from_export.stdout + from_export.stderr

    # The database owner drops the trigger and edits entry 11.
    with sqlite3.connect(tmp_path / "colo.sqlite3") as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET body = replace(body, '\"allowed\"', '\"denied\"') WHERE idx = 11")
    caught = colo("verify", "--state", str(tmp_path / "verifier"), url=url, tmp_path=tmp_path)
    assert caught.returncode == 1
    assert "first bad index 11" in caught.stdout
    quick = colo("verify", "--skip-column-check", url=url, tmp_path=tmp_path)
    assert quick.returncode == 1 and "first bad index 11" in quick.stdout

    lines = export.read_text().splitlines()
    lines[3], lines[4] = lines[4], lines[3]
    export.write_text("\n".join(lines) + "\n")
    reordered = colo("verify", "--export", str(export), "--checkpoint", str(tmp_path / "cp.note"),
                     url=url, tmp_path=tmp_path)
    assert reordered.returncode == 1 and "first bad index 3" in reordered.stdout

    wrong_key = colo("verify", "--vkey", "other+00000000+AQ==", url=url, tmp_path=tmp_path)
    assert wrong_key.returncode == 2 and "--vkey" in wrong_key.stderr
