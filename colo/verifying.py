"""What the offline verifiers (`colo loa verify`, `colo audit verify`) share: their exit codes
and fetching the keys a facility publishes.

A verifier checks a document against keys it already trusts: given on the command line or in a
file, fetched from the facility's API, or the keys this process is configured with. It never
creates a key — a made-up key makes every genuine document look forged — and when no key is at
hand it says which key it needs and exits with its own code, so a script can tell "altered"
from "cannot check".
"""

from __future__ import annotations

from typing import Any

EXIT_VALID = 0
EXIT_INVALID = 1  # the document or log fails a check: altered, forged, expired, truncated
# 2: the command line or configuration is wrong (colo.cli.CommandError)
# 3: `colo audit witness` raised an alarm
EXIT_KEY_NEEDED = 4  # no trusted key at hand: nothing was checked


def fetch_published(base_url: str, path: str, *, token: str | None = None, timeout: float = 15) -> Any:
    """GET a JSON document the facility publishes at `base_url` + `path`; CommandError on failure."""
    import httpx

    from colo.cli import CommandError

    if not base_url.startswith(("https://", "http://")):
        raise CommandError(f"--api {base_url!r}: expected the facility API's base URL (https://…)")
    url = base_url.rstrip("/") + path
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise CommandError(f"cannot fetch {url}: {exc}") from None
    if response.status_code != 200:
        reason = "set COLO_API_KEY to an API key allowed to read it" \
            if response.status_code in (401, 403) else response.text[:200]
        raise CommandError(f"{url} answered {response.status_code}: {reason}")
    try:
        return response.json()
    except ValueError:
        raise CommandError(f"{url} did not answer JSON") from None
