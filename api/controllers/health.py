"""Liveness and readiness. Readiness names the failing part and its latency.

Only what Colo truly cannot serve without makes it unready (503): its database, migrated to what
this code expects. NetBox away, or
its webhooks not arriving, is "degraded" (200): reads keep working from the read model (their
freshness says how old it is) and writes that need NetBox answer 503 themselves, so a load
balancer keeps every replica in rotation through a NetBox outage. The NetBox check is reused for a
few seconds (`AppServices.netbox_probe`): probes of every replica must not add up to real load on NetBox.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from api.request import ColoRequest
from api.services import AppServices
from colo.errors import ColoError
from colo.migrate import pending_migrations
from dcim.readmodel.webhook_health import current_health


class Check(msgspec.Struct):
    ok: bool
    latency_ms: float
    detail: str = ""


class Readiness(msgspec.Struct):
    # "ready", "degraded: <parts>" (200: still serving) or "unavailable: <parts>" (503).
    status: str
    checks: dict[str, Check]
    # Checks that fail without making Colo unready (it still serves; an operator should look).
    degraded: list[str] = msgspec.field(default_factory=list)


# Reported, but not a reason to take Colo out of service: without NetBox the read model still
# serves reads (writes needing NetBox answer 503 on their own); without webhooks it still catches
# up at every periodic sync, and the responses' freshness says so.
ADVISORY = frozenset({"netbox", "netbox_webhooks"})
# A probe must answer within its own timeout: a NetBox that does not answer in this long is down for it.
NETBOX_CHECK_SECONDS = 2.0


class Liveness(msgspec.Struct):
    status: str


async def _check_database(services: AppServices) -> Check:
    started = time.perf_counter()
    try:
        await services.engine.run_ddl("SELECT 1")
    except Exception as exc:  # any driver error means "not ready", never a 500
        return Check(ok=False, latency_ms=_ms(started), detail=f"{type(exc).__name__}: {exc}"[:300])
    return Check(ok=True, latency_ms=_ms(started))


async def _check_schema() -> Check:
    """Every migration this code ships is applied: a replica started before `colo db migrate` ran
    (or before an upgrade's migration job finished) stays out of rotation."""
    started = time.perf_counter()
    try:
        pending = await pending_migrations()
    except Exception as exc:  # the database check reports the cause
        return Check(ok=False, latency_ms=_ms(started), detail=f"schema: unknown ({type(exc).__name__})")
    if pending:
        shown = ", ".join(pending[:3]) + (", …" if len(pending) > 3 else "")
        return Check(ok=False, latency_ms=_ms(started),
                     detail=f"{len(pending)} migrations not applied ({shown}): run `colo db migrate`")
    return Check(ok=True, latency_ms=_ms(started))


async def _check_netbox(services: AppServices) -> Check:
    started = time.perf_counter()
    try:
        status = await asyncio.wait_for(services.netbox.status(), NETBOX_CHECK_SECONDS)
    except ColoError as exc:
        return Check(ok=False, latency_ms=_ms(started), detail=exc.detail)
    except TimeoutError:
        return Check(ok=False, latency_ms=_ms(started),
                     detail=f"NetBox did not answer within {NETBOX_CHECK_SECONDS:g} s")
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
        "/readyz", summary="Readiness: 503 only without the database or its migrations; NetBox down or its "
        "webhooks not arriving is 200 with status `degraded: …` naming the part", operation_id="readiness",
        responses={503: ResponseSpec(Readiness, description="The database is down or not migrated; `checks` names it")},
    )
    async def readyz(self, request: ColoRequest) -> Response[Readiness]:
        return await readiness(request.services)


async def readiness(services: AppServices) -> Response[Readiness]:
    """The readiness answer, shared by `colo serve` and `colo worker` (api/worker.py)."""
    netbox: Check = await services.netbox_probe.get(lambda: _check_netbox(services))
    checks = {"database": await _check_database(services), "schema": await _check_schema(), "netbox": netbox,
              "netbox_webhooks": await _check_webhooks()}
    failing = [name for name, c in checks.items() if not c.ok and name not in ADVISORY]
    degraded = [name for name in sorted(ADVISORY) if not checks[name].ok]
    ready = not failing
    status = ("unavailable: " + ", ".join(failing) if failing else
              "degraded: " + ", ".join(degraded) if degraded else "ready")
    body = Readiness(status=status, checks=checks, degraded=degraded)
    return Response(body, status_code=200 if ready else 503,
                    headers=None if ready else {"Retry-After": "10"})
