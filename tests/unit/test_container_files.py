"""The image and compose file carry what Colo needs to start (there is no Docker engine here: the
files are read, not built). `colo db migrate` and `colo serve` import every Piccolo app (colo/db.py)
and so every package, so the Dockerfile must copy each package pyproject.toml names — setuptools'
find list, import-linter's and mypy's root packages, which must agree — but devtools/ (development
only: the CLI runs without it, tests/unit/test_cli_without_devtools.py). A new package at the root
must be named in pyproject.toml too. The service desk's attachments live in a named volume."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from colo.db import PICCOLO_APPS

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"devtools"}  # development tooling: left out of the image on purpose
NOT_PACKAGES = {"tests", "bench"}  # the tests and benchmarks: never installed


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def declared() -> dict[str, set[str]]:
    tool = pyproject()["tool"]
    assert isinstance(tool, dict)
    found = [pattern.rstrip("*") for pattern in tool["setuptools"]["packages"]["find"]["include"]]
    return {"setuptools find": set(found), "import-linter": set(tool["importlinter"]["root_packages"]),
            "mypy": set(tool["mypy"]["packages"])}


def copied() -> set[str]:
    text = (ROOT / "Dockerfile").read_text()
    return {source for source, target in re.findall(r"^COPY\s+(\w+)\s+\./(\w+)\s*$", text, re.MULTILINE)
            if source == target}


def test_pyproject_names_every_package_the_same_way_everywhere() -> None:
    lists = declared()
    first = lists["setuptools find"]
    for name, packages in lists.items():
        assert packages == first, (name, packages ^ first)
    at_root = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_PACKAGES
    assert at_root == first, f"packages not named in pyproject.toml (or named but missing): {at_root ^ first}"


def test_the_dockerfile_copies_every_package_but_the_development_tools() -> None:
    needed = declared()["setuptools find"] - NOT_SHIPPED
    assert needed - copied() == set(), "add `COPY <package> ./<package>` to the Dockerfile"
    assert copied() & (NOT_SHIPPED | NOT_PACKAGES) == set()  # no development tooling in the image
    apps = {app.split(".")[0] for app in PICCOLO_APPS}
    assert apps <= copied()  # what colo/db.py imports at start


def test_compose_keeps_the_attachments_in_a_named_volume() -> None:
    compose = (ROOT / "compose.yaml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    directory = re.search(r"^ENV COLO_ATTACHMENTS_DIR=(\S+)$", dockerfile, re.MULTILINE)
    assert directory is not None, "the image names its attachments directory"
    path = directory.group(1)
    assert 'mkdir -p "$COLO_ATTACHMENTS_DIR"' in dockerfile  # made before `chown -R colo /app`: writable
    assert path.startswith("/app/")
    api = compose.split("\n  colo-api:\n", 1)[1].split("\n\n", 1)[0]
    assert f"COLO_ATTACHMENTS_DIR: {path}" in api
    mount = re.search(rf"^\s+- ([\w-]+):{re.escape(path)}(\s|$)", api, re.MULTILINE)
    assert mount is not None, "the API service mounts a volume at the attachments directory"
    volumes = compose.split("\nvolumes:\n", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"^  {re.escape(mount.group(1))}:\s*$", volumes, re.MULTILINE), "a named volume"
