"""Install NetBox into its own cached venv and write its configuration."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from devtools.netbox.paths import NETBOX_VERSION, NetBoxPaths
from devtools.netbox.prereqs import (
    LauncherError,
    find_python312,
    pg_host,
    pg_port,
    redis_host,
    redis_port,
)

NETBOX_DB = "netbox"
NETBOX_TEMPLATE_DB = "netbox_clean"
NETBOX_DB_USER = "netbox"
REDIS_TASKS_DB = 5
REDIS_CACHE_DB = 6


def ensure_venv(paths: NetBoxPaths, *, say: Callable[[str], None] = print) -> None:
    """Create the venv and install netbox==VERSION once; a marker file makes later runs instant."""
    if paths.installed_marker.exists():
        return
    python = find_python312()
    if paths.venv.exists():
        shutil.rmtree(paths.venv)  # a half-finished earlier install: start over
    paths.cache.mkdir(parents=True, exist_ok=True)
    say(f"installing netbox=={NETBOX_VERSION} into {paths.venv} (about a minute)")
    _run([str(python), "-m", "venv", str(paths.venv)], "create NetBox's venv")
    _run(
        [str(paths.bin / "pip"), "install", "--quiet", "--disable-pip-version-check",
         f"netbox=={NETBOX_VERSION}", "gunicorn"],
        f"pip install netbox=={NETBOX_VERSION}",
        timeout=1800,
    )
    paths.installed_marker.write_text(NETBOX_VERSION)


def load_secrets(paths: NetBoxPaths) -> dict[str, str]:
    """Machine-local secrets of the dev NetBox, generated once and kept owner-readable."""
    try:
        secrets_read: dict[str, str] = json.loads(paths.secrets_file.read_text())  # written below
        return secrets_read
    except FileNotFoundError:
        pass
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)"
    data = {
        "secret_key": "".join(secrets.choice(alphabet) for _ in range(64)),
        "pepper": secrets.token_urlsafe(48),
        "admin_password": secrets.token_urlsafe(18),
    }
    save_secrets(paths, data)
    return data


def save_secrets(paths: NetBoxPaths, data: dict[str, str]) -> None:
    paths.cache.mkdir(parents=True, exist_ok=True)
    tmp = paths.secrets_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.chmod(0o600)
    tmp.replace(paths.secrets_file)


def write_config(paths: NetBoxPaths, *, port: int) -> None:
    sec = load_secrets(paths)
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    config = f'''# Written by `colo netbox up`; regenerated on every start.
ALLOWED_HOSTS = ["*"]
SECRET_KEY = {sec["secret_key"]!r}
API_TOKEN_PEPPERS = {{1: {sec["pepper"]!r}}}
CENSUS_REPORTING_ENABLED = False
DATABASES = {{
    "default": {{
        "NAME": {NETBOX_DB!r},
        "USER": {NETBOX_DB_USER!r},
        "PASSWORD": "netbox",
        "HOST": {pg_host()!r},
        "PORT": {str(pg_port())!r},
        "CONN_MAX_AGE": 300,
        "CONN_HEALTH_CHECKS": True,
        "ENGINE": "django.db.backends.postgresql",
    }}
}}
REDIS = {{
    "tasks": {{"HOST": {redis_host()!r}, "PORT": {redis_port()}, "PASSWORD": "",
               "DATABASE": {REDIS_TASKS_DB}, "SSL": False}},
    "caching": {{"HOST": {redis_host()!r}, "PORT": {redis_port()}, "PASSWORD": "",
                 "DATABASE": {REDIS_CACHE_DB}, "SSL": False}},
}}
STATIC_ROOT = {str(paths.root / "static")!r}
MEDIA_ROOT = {str(paths.root / "media")!r}
LOGIN_REQUIRED = True
TIME_ZONE = "UTC"
'''
    paths.config_file.write_text(config)
    paths.config_file.chmod(0o600)
    paths.gunicorn_conf_for(port).write_text(
        f'''bind = "127.0.0.1:{port}"
workers = 2
threads = 1
timeout = 120
max_requests = 0
control_socket_disable = True


def post_worker_init(worker):
    # NetBox keeps ~730k objects alive; freezing them stops full GC passes adding ~350 ms.
    import gc

    gc.collect()
    gc.freeze()
'''
    )


def netbox_env(paths: NetBoxPaths) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["NETBOX_ROOT"] = str(paths.root)
    env["PATH"] = f"{paths.bin}:{env.get('PATH', '/usr/bin:/bin')}"
    return env


def netbox_cmd(paths: NetBoxPaths, *args: str, timeout: int = 900, what: str = "") -> str:
    proc = subprocess.run(
        [str(paths.bin / "netbox"), *args], capture_output=True, text=True,
        timeout=timeout, env=netbox_env(paths), cwd=str(paths.cache), check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise LauncherError(f"netbox {what or args[0]} failed:\n{tail}")
    return proc.stdout


def _run(cmd: list[str], what: str, *, timeout: int = 300) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LauncherError(f"{what} did not finish within {timeout}s") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise LauncherError(f"{what} failed:\n{tail}")


def venv_python(paths: NetBoxPaths) -> Path:
    return paths.bin / "python"
