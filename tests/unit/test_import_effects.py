"""Importing Colo's configuration modules does nothing: no environment read into an engine, no
database file or folder created, and colo.db does not need colo.piccolo_conf (no import circle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from colo.db import PICCOLO_APPS


def _python(code: str, *, env_db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env={"COLO_DATABASE_URL": env_db, "PATH": "/usr/bin"},
                          capture_output=True, text=True, timeout=60, check=False,
                          cwd=Path(__file__).resolve().parents[2])


def test_importing_piccolo_conf_opens_no_database(tmp_path: Path) -> None:
    where = tmp_path / "not-yet" / "colo.sqlite3"
    done = _python("import colo.piccolo_conf, piccolo_conf", env_db=f"sqlite:///{where}")
    assert done.returncode == 0, done.stderr
    assert not where.parent.exists()  # engine_from_url makes the folder: it was never called
    used = _python("import colo.piccolo_conf as c; print(type(c.DB).__name__, len(c.APP_REGISTRY.app_configs))",
                   env_db=f"sqlite:///{where}")
    assert used.returncode == 0, used.stderr
    assert used.stdout.split() == ["SQLiteEngine", str(len(PICCOLO_APPS))]  # every app registered
    assert where.parent.exists()  # made on first access


def test_colo_db_does_not_import_piccolo_conf(tmp_path: Path) -> None:
    done = _python("import sys, colo.db; colo.db.all_tables(); print('colo.piccolo_conf' in sys.modules)",
                   env_db=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
