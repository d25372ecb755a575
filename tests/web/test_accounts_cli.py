"""`colo accounts …` on a fresh embedded (SQLite) install: the accounts migrations run there too,
`hint` says how to make the first staff account until one is active, `create-staff` prints one
link alone on stdout and refuses a second account for the same address or a tenant role."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.servers import COLO, colo_command, colo_env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLO, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_first_staff_account_on_a_fresh_sqlite_install(tmp_path: Path) -> None:
    env = colo_env(database_url=f"sqlite:///{tmp_path / 'colo.sqlite3'}", secrets_dir=tmp_path / "secrets",
                   COLO_LOG_LEVEL="INFO", COLO_PUBLIC_URL="https://colo.example.az")
    colo_command("db", "migrate", env=env)
    hint = _run("accounts", "hint", env=env)
    assert hint.returncode == 0 and "colo accounts create-staff" in hint.stderr
    assert "https://colo.example.az/" in hint.stderr and hint.stdout == ""

    made = _run("accounts", "create-staff", "--email", "First.Ops@Example.com", "--role", "ops", env=env)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("https://colo.example.az/welcome?token=cal_")
    token = lines[0].rsplit("=", 1)[1]
    assert token not in made.stderr  # shown once, on stdout only

    again = _run("accounts", "create-staff", "--email", "first.ops@example.com", "--role", "security", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    tenant_role = _run("accounts", "create-staff", "--email", "x@example.com", "--role", "tenant_admin", env=env)
    assert tenant_role.returncode == 2 and "invalid choice" in tenant_role.stderr
    # no staff account is *active* until its person has set a password and enrolled TOTP
    assert "create-staff" in _run("accounts", "hint", env=env).stderr
