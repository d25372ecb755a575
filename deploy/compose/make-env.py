"""Writes the compose deployment's `.env` from the committed `.env.example`, with fresh secrets.

Why a script: the example carries no secret at all (values of the form `generate:<kind>`), and the
secrets have formats that are easy to get wrong by hand (Colo's `id:secret` peppers, base64 32-byte
keys, NetBox's ≥ 50-character SECRET_KEY and pepper, its 12 + 40 character v2 token). Standard
library only, so it runs with any Python 3 before anything is installed. It refuses to overwrite an
existing file: replacing secrets of a running installation would lock it out of its own data.

    python3 deploy/compose/make-env.py [--example .env.example] [--out .env]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import string
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALNUM = string.ascii_letters + string.digits
PLACEHOLDER = re.compile(r"^([A-Z0-9_]+)=generate:([a-z0-9-]+)\s*$")


def _alnum(length: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(length))


def _base64_32() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


GENERATORS: dict[str, Callable[[], str]] = {
    "base64-32": _base64_32,
    "pepper": lambda: f"1:{_base64_32()}",
    "ed25519": lambda: f"k1:{_base64_32()}",
}


def generate(kind: str) -> str:
    if kind.startswith("alnum-") and kind.removeprefix("alnum-").isdigit():
        return _alnum(int(kind.removeprefix("alnum-")))
    if kind not in GENERATORS:
        raise ValueError(f"unknown secret kind {kind!r}")
    return GENERATORS[kind]()


def render(example: str) -> str:
    """The example's text with every `NAME=generate:<kind>` line given a fresh value."""
    lines = []
    for line in example.splitlines():
        match = PLACEHOLDER.match(line)
        lines.append(f"{match.group(1)}={generate(match.group(2))}" if match else line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--example", type=Path, default=ROOT / ".env.example")
    parser.add_argument("--out", type=Path, default=ROOT / ".env")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"{args.out} exists already: left as it is (delete it first to start over)", file=sys.stderr)
        return 1
    text = render(args.example.read_text())
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    print(f"wrote {args.out} (mode 0600) with fresh secrets; keep a copy with your backups")
    return 0


if __name__ == "__main__":
    sys.exit(main())
