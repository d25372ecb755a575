"""What a non-editable install (`pip install .`, as the Dockerfile does) really ships, and that Colo
runs from it. An editable install finds templates, migrations and translations in the checkout, so
a file missing from pyproject.toml's package data goes unnoticed until the image is built: this
builds the wheel from the tracked files plus what `make assets` generates (the vendored browser
assets and the compiled catalogs, as the Dockerfile does), compares it with the tree, unpacks it
on its own and runs `colo db migrate` from there against a throwaway PostgreSQL database — the
migrations are found beside the installed packages, not in the checkout.
Also: make-cert.py (compose's tls-init) makes a usable self-signed pair once and keeps it."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from colo.migrate import drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("COLO_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
GENERATED = ["web/static/vendor/htmx.min.js", "web/static/vendor/swagger-ui-bundle.js",
             "web/static/vendor/swagger-ui-standalone-preset.js", "web/static/vendor/swagger-ui.css",
             "web/translations/az/LC_MESSAGES/messages.mo", "web/translations/en/LC_MESSAGES/messages.mo"]
NOT_RUNTIME = {"accounts/data/README.md"}  # documentation beside a data file
INSTALLED = ("colo", "dcim", "tenants", "audit", "siteaccess", "servicedesk", "metering", "accounts", "notify",
             "api", "web", "migrations")


def tracked() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [path for path in listed.splitlines() if (ROOT / path).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for path in GENERATED:
        assert (ROOT / path).is_file(), f"{path} is missing: run `make assets`"
    for path in tracked() + GENERATED:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                           capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("colo-*.whl")
    return found


def test_the_wheel_carries_every_runtime_file_of_the_packages_and_the_migrations(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    needed = {path for path in tracked() + GENERATED
              if path.split("/")[0] in INSTALLED and "__pycache__" not in path} - NOT_RUNTIME
    assert needed - shipped == set(), "add these to [tool.setuptools.package-data] (or packages.find)"
    migrations = {path for path in needed if path.startswith("migrations/")}
    assert len(migrations) >= 10 and all(path.endswith(".py") for path in migrations)
    assert not any(path.startswith(("tests/", "bench/")) for path in shipped)


@pytest.fixture
def throwaway_database() -> Iterator[str]:
    url = f"{PG_SERVER}/colo_wheel_{uuid.uuid4().hex[:10]}"
    yield url
    import asyncio

    asyncio.run(drop_postgres_database(url))


def test_colo_migrates_a_database_from_the_unpacked_wheel(wheel: Path, tmp_path: Path, throwaway_database: str) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = tmp_path / "run"  # not the checkout: nothing may be found relative to it
    run.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "COLO_DATABASE_URL": throwaway_database, "COLO_ENV": "test",
           "COLO_SECRETS_DIR": str(tmp_path / "secrets"), "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import colo.piccolo_app as a; print(a.MIGRATIONS)"],
                           cwd=run, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(site), "the unpacked wheel's packages are the ones imported"
    command = [sys.executable, "-c", "import sys; from colo.cli import main; sys.exit(main())", "db", "migrate"]
    first = subprocess.run(command, cwd=run, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "migrations applied for: colo, tenants" in first.stdout + first.stderr
    again = subprocess.run(command, cwd=run, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "database is up to date" in again.stdout + again.stderr


def test_make_cert_makes_a_usable_pair_once_and_then_keeps_it(tmp_path: Path) -> None:
    script = ROOT / "deploy" / "compose" / "make-cert.py"
    env = {**os.environ, "TLS_DIR": str(tmp_path / "tls"), "TLS_HOSTNAME": "colo.dc.example"}
    made = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True)
    assert "written" in made.stdout
    cert_path, key_path = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    assert key_path.stat().st_mode & 0o777 == 0o600
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)  # the key belongs to the certificate
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["colo.dc.example", "localhost"]
    before = cert_path.read_bytes()
    kept = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True)
    assert "kept" in kept.stdout and cert_path.read_bytes() == before
