"""Static files served by Colo itself (never a CDN): the portal's stylesheet and the vendored
htmx and Swagger UI that `make assets` copies from the npm lockfile's packages.

Every file gets a URL with its content's digest in the path, `/static/<sha256[:12]>/<name>`,
served with `Cache-Control: public, max-age=31536000, immutable`: a browser keeps a file for a
year, and a changed file has another URL. A URL with a stale digest answers 404.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from colo.logging import get_logger

STATIC_DIR = Path(__file__).resolve().parent / "static"
# What `make assets` copies out of node_modules (package.json / package-lock.json).
VENDOR_FILES = ("vendor/htmx.min.js", "vendor/swagger-ui-bundle.js", "vendor/swagger-ui-standalone-preset.js",
                "vendor/swagger-ui.css")
CACHE_FOREVER = "public, max-age=31536000, immutable"
log = get_logger(__name__)


class Assets:
    """Every file under the static folder, by name, with its digest (read once at start-up)."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root
        self.files: dict[str, tuple[str, Path]] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                self.files[path.relative_to(root).as_posix()] = (digest, path)
        missing = [name for name in VENDOR_FILES if name not in self.files]
        if missing:
            log.error("browser assets missing: run `make assets` (npm ci from package-lock.json)", missing=missing)

    def url(self, name: str) -> str:
        """`/static/<digest>/<name>`; a missing file gets a URL that answers 404."""
        digest = self.files[name][0] if name in self.files else "missing"
        return f"/static/{digest}/{name}"

    def find(self, digest: str, name: str) -> Path | None:
        entry = self.files.get(name)
        return entry[1] if entry is not None and entry[0] == digest else None
