"""Piccolo's configuration module: the engine from COLO_DATABASE_URL and Colo's apps.

Piccolo finds this module through PICCOLO_CONF (the `colo` CLI sets it) and reads `DB` and
`APP_REGISTRY` from it as attributes. Both are made on first access (a module `__getattr__`), so
importing this module reads no environment and opens nothing. The running app does not depend on
`DB`: it binds every table to its own engine (colo.db.bind_tables).
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine

from colo.db import app_registry, database_url_from_env, engine_from_url

_engine: Engine[Any] | None = None


def use_engine(engine: Engine[Any]) -> None:
    """Point Piccolo's own machinery (its migration table) at `engine` in this process."""
    global _engine  # Piccolo reads one module-level engine; use_engine() is its setter
    _engine = engine


def __getattr__(name: str) -> object:
    global _engine  # Piccolo reads one module-level engine; use_engine() is its setter
    if name == "DB":
        if _engine is None:
            _engine = engine_from_url(database_url_from_env())
        return _engine
    if name == "APP_REGISTRY":
        return app_registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
