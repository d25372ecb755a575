"""NetBox behind one gateway: pynetbox calls in worker threads, with timeouts, as domain errors.

pynetbox is synchronous, so every call — and the list() of its lazy results — runs in a
worker thread; a bounded limiter keeps Colo from swamping a NetBox that serves ~10 req/s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pynetbox
import requests
from requests.adapters import HTTPAdapter

from colo.errors import NotFound, Unavailable, UpstreamRejected
from colo.logging import get_logger
from colo.settings import Settings
from dcim.netbox.published import default_state_file, read_published

T = TypeVar("T")
log = get_logger(__name__)
RETRY_AFTER_SECONDS = 15
# NetBox not answering, or its connection cut: refused, timed out, or closed in the middle of an
# answer (requests reports a truncated body as ChunkedEncodingError, not as a ConnectionError).
TRANSPORT_FAILURES = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class _TimeoutSession(requests.Session):
    """A requests session that never waits forever: every call gets (connect, read) timeouts."""

    def __init__(self, timeout: tuple[float, float], pool_size: int) -> None:
        super().__init__()
        self._timeout = timeout
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    # requests' Session.request takes its options positionally too; this override accepts them by keyword
    # only, which is how Session.get/post/... (what pynetbox calls) pass them on.
    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, **kwargs)


class NetBoxGateway:
    """Every NetBox call goes through `call`, which maps transport and HTTP failures to domain errors."""

    def __init__(
        self, *, url: str, token: str, connect_timeout: float = 3.0, read_timeout: float = 20.0,
        max_concurrency: int = 8,
    ) -> None:
        self.url = url.rstrip("/")
        self._api = pynetbox.api(self.url, token=token)
        self._api.http_session = _TimeoutSession((connect_timeout, read_timeout), max_concurrency)
        self._limiter = anyio.CapacityLimiter(max_concurrency)

    @property
    def configured(self) -> bool:
        return bool(self.url)

    async def call(self, fn: Callable[[Any], T], *, what: str = "NetBox call") -> T:
        """Run fn(api) in a worker thread. fn must materialise results (list(...), dict(...))."""
        return await anyio.to_thread.run_sync(self._call_sync, fn, what, limiter=self._limiter)

    def _call_sync(self, fn: Callable[[Any], T], what: str) -> T:
        try:
            return fn(self._api)
        except pynetbox.RequestError as exc:
            raise self._map_request_error(exc, what) from exc
        except TRANSPORT_FAILURES as exc:
            log.warning("netbox unreachable", what=what, error=type(exc).__name__)
            raise Unavailable(
                "netbox", f"NetBox did not answer ({type(exc).__name__}) during {what}",
                retry_after=RETRY_AFTER_SECONDS,
            ) from exc
        except (pynetbox.ContentError, ValueError) as exc:
            raise Unavailable("netbox", f"NetBox sent an unreadable answer during {what}") from exc

    @staticmethod
    def _map_request_error(exc: pynetbox.RequestError, what: str) -> Exception:
        status = exc.req.status_code
        if status == 404:
            return NotFound("NetBox object")
        if status in (400, 409):
            return UpstreamRejected(f"NetBox refused {what}: {exc.error}", netbox_status=status)
        # 401/403 (bad token) and 5xx are NetBox's problem, not the caller's: retry later.
        log.warning("netbox error", what=what, status=status)
        return Unavailable("netbox", f"NetBox answered {status} during {what}", retry_after=RETRY_AFTER_SECONDS)

    async def status(self) -> dict[str, Any]:
        """NetBox's /api/status/ (needs the token: anonymous requests get 403)."""
        return await self.call(lambda api: dict(api.status()), what="status")

    async def ping(self) -> float:
        """Round-trip latency of /api/status/ in milliseconds."""
        started = time.perf_counter()
        await self.status()
        return (time.perf_counter() - started) * 1000


class UnconfiguredGateway(NetBoxGateway):
    """Stands in when no NetBox is configured: every call answers Unavailable, naming the fix."""

    def __init__(self) -> None:  # no pynetbox client at all
        self.url = ""
        self._limiter = anyio.CapacityLimiter(1)

    async def call(self, fn: Callable[[Any], T], *, what: str = "NetBox call") -> T:
        raise Unavailable(
            "netbox", "NetBox is not configured: set COLO_NETBOX_URL and COLO_NETBOX_TOKEN "
            "or run `colo netbox up`", retry_after=RETRY_AFTER_SECONDS,
        )


def resolve_netbox(settings: Settings) -> tuple[str, str]:
    """URL and token from settings, else from the state file the dev launcher publishes."""
    if settings.netbox_url and settings.netbox_token:
        return settings.netbox_url, settings.netbox_token
    published = read_published(Path(settings.netbox_state_file or default_state_file()))
    if published is None:
        return settings.netbox_url, settings.netbox_token
    url, token = published
    return settings.netbox_url or url, settings.netbox_token or token


def gateway_from_settings(settings: Settings) -> NetBoxGateway:
    url, token = resolve_netbox(settings)
    if not url or not token:
        return UnconfiguredGateway()
    return NetBoxGateway(
        url=url, token=token,
        connect_timeout=settings.netbox_connect_timeout, read_timeout=settings.netbox_read_timeout,
    )
