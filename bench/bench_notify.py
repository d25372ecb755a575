"""Notifications, two figures of issue 15.

- Notice impact for a power panel feeding 2 000 racks (goal ≤ 100 ms): dcim/impact.py over the
  synthetic 2 000-rack read model of bench/portal_setup.py (every rack's A feed on panel 1), with
  all 21 of its NetBox tenants linked to Colo tenants, so each rack resolves to a tenant to tell.
- Webhook delivery latency (goal p99 ≤ 2 s): events committed to the outbox at 100 events/s (one
  transaction each, as a domain writes them) for 20 s (5 s quick), delivered by the real
  dispatcher loop (notify/runtime.py, its default 0.25 s idle interval) to a local HTTP receiver
  on loopback; commit → arrival at the receiver, p50/p99. Beside it, in the same run and against
  the same receiver, plain POSTs of a same-sized body sent at 20/s: send → arrival. The ratio is
  what the outbox, the dispatcher's polling and signing add to a bare request."""

from __future__ import annotations

import asyncio
import ipaddress
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import portal_setup as setup
from bench.harness import Measurement

NAME = "Notifications"


async def _measure(database_url: str, secrets_dir: Path, *, rounds: int) -> list[float]:
    from dcim.impact import PlantTargets, compute_impact
    from tenants.lifecycle import provision_tenant

    async with setup.started_app(database_url, secrets_dir):
        await setup.insert_plant()
        for n in range(setup.NEIGHBOURS + 1):
            async def link(_tenant_id: uuid.UUID, _legal_name: str, n: int = n) -> int:
                return setup.BUYER_NETBOX_ID + n

            await provision_tenant(tenant_id=uuid.uuid4(), legal_name=f"Bench Tenant {n} AG",
                                   registration_number=f"HRB{n:08d}", country="DE", link_netbox=link)
        targets = PlantTargets(power_panels=[1])
        impacts = await compute_impact(targets)  # warm-up, and a check that it found them
        if sum(len(i.racks) for i in impacts) < 500:  # the racks with a tenant (reserved units): ~800
            raise RuntimeError(f"the panel reached only {sum(len(i.racks) for i in impacts)} tenant racks")
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            await compute_impact(targets)
            timings.append((time.perf_counter() - started) * 1000)
        return timings


RATE = 100  # events per second
RAW_RATE = 20  # plain requests per second, beside them


class Arrivals:
    """What the receiver saw: arrival time (time.time()) per webhook-id, and per plain request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: dict[str, float] = {}
        self.raw: dict[str, float] = {}


@contextmanager
def receiver() -> Iterator[tuple[str, Arrivals]]:
    """A threaded HTTP server on loopback answering 204 (what a tenant's endpoint would)."""
    seen = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            at = time.time()
            with seen.lock:
                if self.path == "/raw":
                    seen.raw[self.headers["x-bench-id"]] = at
                else:
                    seen.events[self.headers["webhook-id"]] = at
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _latency(database_url: str, secrets_dir: Path, *, seconds: int) -> dict[str, list[float]]:
    import httpx

    from colo.identity import Principal, Role
    from colo.outbox import EventType, OrderStateChanged, OutboxEvent, record_event
    from notify.config import NotifyConfig
    from notify.endpoints import create_endpoint
    from notify.runtime import NotifyRuntime
    from notify.schemas import EndpointCreate
    from tenants.lifecycle import provision_tenant

    async with setup.started_app(database_url, secrets_dir) as app:
        tenant_id = uuid.uuid4()

        async def link(_tenant_id: uuid.UUID, _legal_name: str) -> int:
            return setup.BUYER_NETBOX_ID

        await provision_tenant(tenant_id=tenant_id, legal_name="Bench Webhooks AG", registration_number="HRB00000099",
                               country="DE", link_netbox=link)
        admin = Principal(key_id="bench", role=Role.TENANT_ADMIN, name="bench", tenant_id=tenant_id)
        master_key = app.state.services.keys.master_key
        commits: dict[str, float] = {}
        sent: dict[str, float] = {}
        with receiver() as (base, seen):
            await create_endpoint(principal=admin, master_key=master_key, data=EndpointCreate(
                url=base + "/hook", event_types=[EventType.ORDER_STATE_CHANGED]))
            # the app runs no dispatcher loop in env=test: this is the same loop, allowed to loopback
            runtime = NotifyRuntime(NotifyConfig(allow_networks=(ipaddress.ip_network("127.0.0.0/8"),)),
                                    master_key=master_key)
            await runtime.start()
            raw_body = b"x" * 300  # about a delivery's size
            async with httpx.AsyncClient() as client:
                async def produce() -> None:
                    started = time.monotonic()
                    for n in range(RATE * seconds):
                        await asyncio.sleep(max(0.0, started + n / RATE - time.monotonic()))
                        async with OutboxEvent._meta.db.transaction():
                            event_id = await record_event(
                                type=EventType.ORDER_STATE_CHANGED, tenant_id=tenant_id, payload=OrderStateChanged(
                                    order_id=uuid.uuid4(), kind="space", action="approve", from_state="submitted",
                                    to_state="approved"))
                        commits[str(event_id)] = time.time()  # after the commit

                async def plain() -> None:
                    started = time.monotonic()
                    for n in range(RAW_RATE * seconds):
                        await asyncio.sleep(max(0.0, started + n / RAW_RATE - time.monotonic()))
                        key = str(n)
                        sent[key] = time.time()
                        await client.post(base + "/raw", content=raw_body, headers={"x-bench-id": key})

                await asyncio.gather(produce(), plain())
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with seen.lock:
                        if len(seen.events) >= len(commits):
                            break
                    await asyncio.sleep(0.1)
            await runtime.stop()
        with seen.lock:
            delivered = [(seen.events[k] - commits[k]) * 1000 for k in commits if k in seen.events]
            raw = [(seen.raw[k] - sent[k]) * 1000 for k in sent if k in seen.raw]
        return {"delivered": delivered, "raw": raw, "committed": [float(len(commits))]}


def _latency_rows(seconds: int) -> list[Measurement]:
    found = asyncio.run(setup.in_throwaway_database(
        "notify_latency", lambda url, secrets: _latency(url, secrets, seconds=seconds)))
    delivered, raw, committed = found["delivered"], found["raw"], int(found["committed"][0])
    p50, p99 = statistics.median(delivered), _pct(delivered, 0.99)
    raw50, raw99 = statistics.median(raw), _pct(raw, 0.99)
    return [Measurement(
        benchmark=NAME, metric=f"webhook delivery commit → receipt at {RATE} events/s (p50 / p99)",
        value=f"{p50:.0f} / {p99:.0f} ms", baseline=f"plain POST to the same receiver {raw50:.1f} / {raw99:.1f} ms",
        ratio=f"{p50 / raw50:.0f}x / {p99 / raw99:.0f}x", goal="p99 ≤ 2 s", met=p99 <= 2000,
        note=f"{len(delivered)} of {committed} events delivered in {seconds} s at {RATE}/s, one transaction each; "
             f"the dispatcher loop's 0.25 s idle interval; {len(raw)} plain POSTs at {RAW_RATE}/s beside them")]


def run(*, quick: bool) -> list[Measurement]:
    rounds = 5 if quick else 20
    timings = asyncio.run(setup.in_throwaway_database(
        "notify", lambda url, secrets: _measure(url, secrets, rounds=rounds)))
    p50 = statistics.median(timings)
    worst = max(timings)
    return [
        Measurement(benchmark=NAME, metric="impact of a panel feeding 2 000 racks (p50 / max)",
                    value=f"{p50:.1f} / {worst:.1f} ms", goal="≤ 100 ms", met=worst <= 100,
                    note=f"{rounds} rounds; 2 000 racks fed, ~800 with tenants (21); read model on PostgreSQL"),
        *_latency_rows(5 if quick else 20),
    ]
