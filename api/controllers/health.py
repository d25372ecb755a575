"""Liveness and readiness. Readiness names the failing part and its latency."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from api.services import AppServices, Services
from colo.errors import ColoError


class Check(msgspec.Struct):
    ok: bool
    latency_ms: float
    detail: str = ""


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, Check]


class Liveness(msgspec.Struct):
    status: str


async def _check_database(services: AppServices) -> Check:
    started = time.perf_counter()
    try:
        await services.engine.run_ddl("SELECT 1")
    except Exception as exc:  # any driver error means "not ready", never a 500
        return Check(ok=False, latency_ms=_ms(started), detail=f"{type(exc).__name__}: {exc}"[:300])
    return Check(ok=True, latency_ms=_ms(started))


async def _check_netbox(services: AppServices) -> Check:
    started = time.perf_counter()
    try:
        status = await services.netbox.status()
    except ColoError as exc:
        return Check(ok=False, latency_ms=_ms(started), detail=exc.detail)
    return Check(ok=True, latency_ms=_ms(started), detail=f"NetBox {status.get('netbox-version', '?')}")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class HealthController(Controller):
    tags = ["health"]
    opt: dict[str, Any] = {"public": True}

    @get("/healthz", summary="Liveness: the process answers", operation_id="liveness")
    async def healthz(self) -> Liveness:
        return Liveness(status="ok")

    @get(
        "/readyz", summary="Readiness: database and NetBox reachable", operation_id="readiness",
        responses={503: ResponseSpec(Readiness, description="A dependency is down; `checks` names it")},
    )
    async def readyz(self, services: Services) -> Response[Readiness]:
        checks = {"database": await _check_database(services), "netbox": await _check_netbox(services)}
        ready = all(c.ok for c in checks.values())
        failing = [name for name, c in checks.items() if not c.ok]
        body = Readiness(status="ready" if ready else "unavailable: " + ", ".join(failing), checks=checks)
        return Response(body, status_code=200 if ready else 503,
                        headers=None if ready else {"Retry-After": "10"})
