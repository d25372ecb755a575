"""Portal pages at 2 000 racks: server time of the tenant dashboard and the rack page, each beside
the API endpoint that serves the same data to the same tenant, measured in the same run.

Set-up (bench.portal_setup, shared with the capacity map's bench): a throwaway PostgreSQL
database with 2 000 synthetic racks in the read model, two supply feeds per rack, and
reservations — twelve racks (one dashboard page) held by the measured tenant, the rest by twenty
neighbours. The tenant has an enrolled portal account with a live session and a tenant-admin API
key. NetBox is not involved.

What is measured: the app's own time per request, in-process — the ASGI call from the request
to the last byte of the response, through every middleware, guard and the access log (on), with
no network or HTTP client in the figure. Requests alternate page / API, so a busy moment on the
machine hits both alike. A third row sets the dashboard beside every API call a client makes to
show the same content (the sum of their server times per round). `python -m bench.bench_portal` prints the rows.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from bench import portal_setup as setup
from bench.harness import Measurement

BENCHMARK = f"Portal pages at {setup.RACKS:,} racks".replace(",", " ")
COMPOSITE = "api calls for the dashboard's content"
OPEN_ORDER_STATES = ("submitted", "in_review", "action_required", "approved", "provisioning", "failed",
                     "decommission_requested")


async def _prepare(app: Any) -> tuple[setup.Headers, setup.Headers, list[int]]:
    """The plant in the read model; the tenant, its signed-in person (cookie) and its API key."""
    from accounts import service
    from colo.identity import Principal, Role
    from tenants.lifecycle import provision_tenant

    held = await setup.insert_plant()

    async def link(_tenant_id: uuid.UUID, _legal_name: str) -> int:
        return setup.BUYER_NETBOX_ID

    tenant_id = uuid.uuid4()
    await provision_tenant(tenant_id=tenant_id, legal_name="Bench Buyer AG", registration_number="HRB00000001",
                           country="DE", link_netbox=link)
    ops = Principal(key_id="bench", role=Role.OPS, name="bench")
    issued = await service.invite(principal=ops, email="bench-person@example.com", name="Bench Person",
                                  role=Role.TENANT_ADMIN, valid_hours=1, tenant_id=tenant_id)
    cookie = await setup.signed_in(app, token=issued.token, tenant_id=tenant_id)
    bearer = await setup.api_key(app, name="bench tenant admin", role=Role.TENANT_ADMIN, tenant_id=tenant_id)
    return cookie, bearer, held


async def _measure(database_url: str, secrets_dir: Path, *, rounds: int) -> dict[str, tuple[float, float]]:
    async with setup.started_app(database_url, secrets_dir) as app:
        cookie, bearer, held = await _prepare(app)
        rack = held[len(held) // 2]
        pairs: dict[str, setup.Pair] = {
            "dashboard": ("/", "", cookie, 'class="rack-card"'),
            "racks api": ("/v1/racks", f"limit={setup.HELD}", bearer, '"netbox_id"'),
            "rack page": (f"/racks/{rack}", "", cookie, "<svg"),
            "rack api": (f"/v1/racks/{rack}", "", bearer, '"units"'),
        }
        await setup.warm(app, pairs, times=10)
        if (await setup.call(app, "/", headers=cookie)).body.count(b'class="rack-card"') != setup.HELD:
            raise RuntimeError("the dashboard does not show the tenant's racks")
        # What an API client asks for to show the dashboard's content: the rack page, each rack's
        # detail (its elevation), the open orders by state, pending LOAs and upcoming visits.
        composite = [("/v1/racks", f"limit={setup.HELD}")] + [(f"/v1/racks/{r}", "") for r in held] + [
            ("/v1/orders", f"state={state}&limit=50") for state in OPEN_ORDER_STATES] + [
            ("/v1/loas", "status=loa_pending&limit=50")] + [
            ("/v1/visits", f"status={status}&limit=50") for status in ("pending", "approved")]

        async def every_api_call() -> float:
            total = 0.0
            for path, query in composite:
                answer = await setup.call(app, path, headers=bearer, query=query)
                if answer.status != 200:
                    raise RuntimeError(f"{path}?{query} answered {answer.status}: {answer.body[:200]!r}")
                total += answer.ms
            return total

        return await setup.alternate(app, pairs, rounds=rounds, extra={COMPOSITE: every_api_call})


def run(*, quick: bool = False) -> list[Measurement]:
    rounds = 60 if quick else 300
    found = asyncio.run(setup.in_throwaway_database("portal",
                                                    lambda url, secrets: _measure(url, secrets, rounds=rounds)))
    note = f"server time in-process, {rounds} alternating requests each, tenant holds {setup.HELD} racks"
    rows = []
    for page, api, metric, baseline in (
        ("dashboard", "racks api", "dashboard (/): p50 / p95",
         f"GET /v1/racks?limit={setup.HELD}, same tenant"),
        ("rack page", "rack api", "rack page (/racks/{id}): p50 / p95", "GET /v1/racks/{id}, same rack and tenant"),
    ):
        (p50, p95), (base50, base95) = found[page], found[api]
        rows.append(Measurement(BENCHMARK, metric, setup.ms(p50, p95), f"{p50 / base50:.1f}x",
                                f"{baseline}: {setup.ms(base50, base95)}", note=note))
    (p50, p95), (base50, base95) = found["dashboard"], found[COMPOSITE]
    rows.append(Measurement(
        BENCHMARK, "dashboard (/) vs every API call behind it: p50 / p95", setup.ms(p50, p95),
        f"{p50 / base50:.2f}x",
        f"the sum of {setup.HELD + 11} API calls for the same content (rack list, {setup.HELD} rack details, "
        f"open orders by state, pending LOAs, visits by status): {setup.ms(base50, base95)}", note=note))
    return rows


if __name__ == "__main__":
    import sys

    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="standalone"))
