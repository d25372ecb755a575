"""Where a local NetBox publishes its address and API token for Colo to find.

The dev launcher (devtools/netbox) writes this file when it starts a NetBox; the gateway reads it
when COLO_NETBOX_URL / COLO_NETBOX_TOKEN are not set. The file's place is decided here, once, and
the launcher takes it from here: production code never imports the launcher.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NETBOX_VERSION = "4.7.3"  # the NetBox release Colo is built and tested against


def netbox_cache_dir() -> Path:
    """`$COLO_NETBOX_CACHE`, else `$XDG_CACHE_HOME/colo` (`~/.cache/colo`), per NetBox version."""
    base = os.environ.get("COLO_NETBOX_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "colo")
    return Path(base) / f"netbox-{NETBOX_VERSION}"


def default_state_file(cache: Path | None = None) -> Path:
    """`$COLO_NETBOX_STATE_FILE`, else `state.json` in the (given or default) cache directory."""
    override = os.environ.get("COLO_NETBOX_STATE_FILE")
    return Path(override) if override else (cache or netbox_cache_dir()) / "state.json"


def read_published(path: Path) -> tuple[str, str] | None:
    """(url, token) from a published state file, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text())
        return str(data["url"]), str(data["token"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None
