"""Where the dev NetBox lives on this machine, and the state file Colo and the tests read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from dcim.netbox.published import NETBOX_VERSION, default_state_file, netbox_cache_dir

__all__ = ["NETBOX_VERSION", "NetBoxPaths", "NetBoxState"]


@dataclass(frozen=True, slots=True)
class NetBoxPaths:
    """Every path the launcher uses, derived from one cache directory keyed by version."""

    cache: Path

    @classmethod
    def from_env(cls) -> NetBoxPaths:
        return cls(cache=netbox_cache_dir())

    @property
    def venv(self) -> Path:
        return self.cache / "venv"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def installed_marker(self) -> Path:
        return self.venv / f".colo-installed-{NETBOX_VERSION}"

    @property
    def root(self) -> Path:
        return self.cache / "root"

    @property
    def config_file(self) -> Path:
        return self.root / "conf" / "configuration.py"

    @property
    def secrets_file(self) -> Path:
        return self.cache / "secrets.json"

    @property
    def migrated_dump(self) -> Path:
        return self.cache / "migrated.dump"

    @property
    def static_marker(self) -> Path:
        return self.root / ".colo-static-collected"

    def gunicorn_conf_for(self, port: int) -> Path:
        return self.cache / f"gunicorn-{port}.conf.py"

    @property
    def run_dir(self) -> Path:
        return self.cache / "run"

    @property
    def log_dir(self) -> Path:
        return self.cache / "log"

    @property
    def state_file(self) -> Path:
        """Where Colo looks for it (dcim.netbox.published decides); COLO_NETBOX_STATE_FILE moves it."""
        return default_state_file(self.cache)


@dataclass(slots=True)
class NetBoxState:
    """What a running dev NetBox publishes: where it answers and the API token to use."""

    url: str
    token: str
    version: str
    server_pid: int
    worker_pid: int
    port: int

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> NetBoxState | None:
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None
