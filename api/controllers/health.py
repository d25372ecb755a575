"""Liveness and readiness. Readiness names the failing part and its latency."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from api.services import AppServices, Services
from colo.errors import ColoError
from dcim.readmodel.webhook_health import current_health


class Check(msgspec.Struct):
    ok: bool
    latency_ms: float
    detail: str = ""


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, Check]
    # Checks that fail without making Colo unready (it still serves; an operator should look).
    degraded: list[str] = msgspec.field(default_factory=list)


# Reported, but not a reason to take Colo out of service: without webhooks the read model still
# catches up at every periodic sync, and the responses' freshness says so.
ADVISORY = frozenset({"netbox_webhooks"})


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


async def _check_webhooks() -> Check:
    started = time.perf_counter()
    try:
        health = await current_health()
    except Exception as exc:  # the database check reports the cause
        return Check(ok=False, latency_ms=_ms(started), detail=f"webhooks: unknown ({type(exc).__name__})")
    # Public endpoint: the verdict and what to check, not which NetBox object changed when (that is
    # in the authenticated GET /v1/netbox/sync).
    hint = {"arriving": "NetBox announces its changes",
            "not_arriving": "NetBox changed watched objects that no webhook announced: check NetBox's rqworker "
                            "and that COLO_PUBLIC_URL reaches Colo; details at GET /v1/netbox/sync",
            "unknown": "no NetBox change old enough to judge by yet"}[health.status]
    return Check(ok=health.status != "not_arriving", latency_ms=_ms(started),
                 detail=f"webhooks: {health.status.replace('_', ' ')} — {hint}")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class HealthController(Controller):
    tags = ["health"]
    opt: dict[str, Any] = {"public": True}

    @get("/healthz", summary="Liveness: the process answers", operation_id="liveness")
    async def healthz(self) -> Liveness:
        return Liveness(status="ok")

    @get(
        "/readyz", summary="Readiness: database and NetBox reachable (and whether NetBox's webhooks arrive)",
        operation_id="readiness",
        responses={503: ResponseSpec(Readiness, description="A dependency is down; `checks` names it")},
    )
    async def readyz(self, services: Services) -> Response[Readiness]:
        return await readiness(services)


async def readiness(services: AppServices) -> Response[Readiness]:
    """The readiness answer, shared by `colo serve` and `colo worker` (api/worker.py)."""
    checks = {"database": await _check_database(services), "netbox": await _check_netbox(services),
              "netbox_webhooks": await _check_webhooks()}
    failing = [name for name, c in checks.items() if not c.ok and name not in ADVISORY]
    ready = not failing
    body = Readiness(status="ready" if ready else "unavailable: " + ", ".join(failing), checks=checks,
                     degraded=[name for name in sorted(ADVISORY) if not checks[name].ok])
    return Response(body, status_code=200 if ready else 503,
                    headers=None if ready else {"Retry-After": "10"})
