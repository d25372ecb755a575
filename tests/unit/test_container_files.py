"""The image and compose file carry what Colo needs to start (there is no Docker engine here: the
files are read, not built; tests/deploy/ validates compose.yaml against the Compose Specification
and checks what a non-editable install ships). `colo db migrate` and `colo serve` import every
Piccolo app (colo/db.py) and so every package, so the Dockerfile must copy each package
pyproject.toml names — setuptools' find list, import-linter's and mypy's root packages, which must
agree — but devtools/ (development only: the CLI runs without it,
tests/unit/test_cli_without_devtools.py), plus migrations/, which setuptools installs beside the
packages (each app's piccolo_app.py finds its folder there) but which is data, not checked code.
A new package at the root must be named in pyproject.toml too. The service desk's attachments live
in a named volume; only that directory belongs to the image's runtime user."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from colo.db import PICCOLO_APPS

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"devtools"}  # development tooling: left out of the image on purpose
NOT_PACKAGES = {"tests", "bench"}  # the tests and benchmarks: never installed
DATA_ONLY = {"migrations"}  # installed (Piccolo imports the files by path), not linted or type-checked


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def declared() -> dict[str, set[str]]:
    tool = pyproject()["tool"]
    assert isinstance(tool, dict)
    found = [pattern.rstrip("*") for pattern in tool["setuptools"]["packages"]["find"]["include"]]
    return {"setuptools find": set(found), "import-linter": set(tool["importlinter"]["root_packages"]),
            "mypy": set(tool["mypy"]["packages"])}


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def copied() -> set[str]:
    return {source for source, target in re.findall(r"^COPY\s+(\w+)\s+\./(\w+)\s*$", dockerfile(), re.MULTILINE)
            if source == target}


def run_lines() -> list[str]:
    """Every RUN instruction, continuation lines joined."""
    text = dockerfile().replace("\\\n", " ")
    return re.findall(r"^RUN\s+(.*)$", text, re.MULTILINE)


def test_pyproject_names_every_package_the_same_way_everywhere() -> None:
    lists = declared()
    assert DATA_ONLY <= lists["setuptools find"], "setuptools must install the migrations"
    code = lists["setuptools find"] - DATA_ONLY
    for name, packages in lists.items():
        packages = packages - DATA_ONLY if name == "setuptools find" else packages
        assert packages == code, (name, packages ^ code)
    at_root = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_PACKAGES
    assert at_root == code, f"packages not named in pyproject.toml (or named but missing): {at_root ^ code}"


def test_the_dockerfile_copies_every_package_but_the_development_tools() -> None:
    needed = declared()["setuptools find"] - NOT_SHIPPED
    assert needed - copied() == set(), "add `COPY <package> ./<package>` to the Dockerfile"
    assert copied() & (NOT_SHIPPED | NOT_PACKAGES) == set()  # no development tooling in the image
    apps = {app.split(".")[0] for app in PICCOLO_APPS}
    assert apps <= copied()  # what colo/db.py imports at start


def test_the_image_installs_colo_non_editable_from_pinned_bases() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile(), re.MULTILINE)
    external = [base for base in bases if ":" in base]
    assert external, "the image starts from pinned base images"
    for base in external:  # an exact version, never `latest` or a bare major version
        assert re.search(r":\d+\.\d+\.\d+-", base), f"{base}: pin an exact version tag"
    installs = [line for line in run_lines() if "pip install" in line]
    assert any(re.search(r"pip install [^&]*-c constraints\.txt \.(\s|$)", line) for line in installs)
    assert not any(re.search(r"\s(-e|--editable)\s", line) for line in installs), "a non-editable install"
    assert any("npm ci --omit=dev" in line for line in run_lines()), "dclint and other dev tools stay out"


def test_the_runtime_user_owns_only_var_and_the_command_never_migrates() -> None:
    chowns = [part for line in run_lines() for part in line.split("&&") if "chown" in part]
    assert chowns and all(part.split()[-1] == "/app/var" for part in chowns), chowns
    assert re.search(r"^USER\s+\d+:\d+\s*$", dockerfile(), re.MULTILINE), "a numeric user (runAsNonRoot)"
    command = re.findall(r"^CMD\s+(.*)$", dockerfile(), re.MULTILINE)
    assert command == ['["colo", "serve", "--host", "0.0.0.0", "--port", "8000"]']
    assert "migrate" not in command[0] and "ENTRYPOINT" not in dockerfile()


def test_compose_keeps_the_attachments_in_a_named_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    directory = re.search(r"^ENV COLO_ATTACHMENTS_DIR=(\S+)$", dockerfile(), re.MULTILINE)
    assert directory is not None, "the image names its attachments directory"
    path = directory.group(1)
    assert 'mkdir -p "$COLO_ATTACHMENTS_DIR"' in dockerfile()  # made, then chowned with /app/var
    assert path.startswith("/app/var/")
    for name in ("colo-api", "colo-worker"):  # the API stores uploads; the worker may read them
        service = compose["services"][name]
        assert service["environment"]["COLO_ATTACHMENTS_DIR"] == path
        mounts = [volume.split(":") for volume in service["volumes"]]
        sources = [source for source, target, *_ in mounts if target == path]
        assert len(sources) == 1, f"{name} mounts a volume at the attachments directory"
        assert sources[0] in compose["volumes"], "a named volume, shared by every Colo process"
