"""Metering in a running app: every interval, one poll round of the discovered PDUs, the readings
stored, the recent roll-ups recomputed and the alerts evaluated; discovery again every
REDISCOVER_EVERY; retention pruned hourly. Started and stopped by the app's lifespan (api/plugin.py).

`COLO_METERING=off` starts nothing; `auto` (the default) runs the rounds only while discovery
finds meters; `on` always. Discovery is handed in as a callable (api/ reads NetBox through dcim's
gateway): metering does not import dcim.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from colo import periodic
from colo.leader import Gate, always
from colo.logging import get_logger
from metering import alerts, ingest, rollup
from metering.config import MeteringConfig
from metering.discovery import DiscoveredMeter, SyncResult, snmp_meters, sync_meters
from metering.snmp import Poller, RoundResult, Target
from metering.status import SnmpVersion

REDISCOVER_EVERY = timedelta(minutes=10)
PRUNE_EVERY = timedelta(hours=1)
log = get_logger(__name__)
Discover = Callable[[], Awaitable[Sequence[DiscoveredMeter]]]


@dataclass(slots=True)
class RoundReport:
    polled: int
    answered: int
    failed: int
    skipped: int
    stored: int
    seconds: float
    cpu_seconds: float
    # meter id → why it failed this round (a timeout, an SNMPv3 refusal; never a credential)
    failures: dict[str, str] = field(default_factory=dict)


class MeteringRuntime:
    def __init__(self, config: MeteringConfig, *, master_key: bytes, discover: Discover | None = None,
                 run_loop: bool = True, leads: Gate = always) -> None:
        self.config = config
        self.discover = discover
        # Seals the PDUs' own communities at discovery; the poller unseals one per request.
        self.master_key = master_key
        # Polls and roll-ups are a cluster-wide singleton (colo/leader.py): a round passes unless `leads()`.
        self.run_loop, self.leads = run_loop, leads
        self.poller = Poller(credentials=config.credentials, timeout=config.timeout,
                             concurrency=config.concurrency, interval=config.interval, master_key=master_key)
        self.task: asyncio.Task[None] | None = None
        self.meters = 0
        self._discovered_at: datetime | None = None
        self._pruned_at: datetime | None = None

    async def rediscover(self, *, now: datetime | None = None) -> SyncResult | None:
        if self.discover is None:
            return None
        result = await sync_meters(await self.discover(), now=now, master_key=self.master_key)
        self._discovered_at = now or datetime.now(UTC)
        return result

    async def targets(self) -> list[Target]:
        rows = await snmp_meters()
        self.meters = len(rows)
        return targets_of(rows)

    async def poll_once(self, *, now: datetime | None = None) -> RoundReport:
        """One round: poll, store, roll up the last quarter hour, evaluate alerts."""
        moment = now or datetime.now(UTC)
        cpu = time.process_time()
        targets = await self.targets()
        result: RoundResult = await self.poller.poll_round(targets)
        rows = [ingest.Row(s.meter_id, s.channel, s.metric, moment, s.value) for s in result.samples]
        stored = (await ingest.store(rows)).accepted if rows else 0
        await rollup.roll_up(start=moment - timedelta(minutes=15), end=moment + timedelta(seconds=1),
                             gap_seconds=self.config.gap_seconds)
        await alerts.evaluate(self.config, now=moment)
        return RoundReport(polled=len(targets), answered=len(result.answered), failed=len(result.failed),
                           skipped=len(result.skipped), stored=stored, seconds=result.seconds,
                           cpu_seconds=round(time.process_time() - cpu, 3),
                           failures={str(meter): why for meter, why in result.failed.items()})

    async def _tick(self) -> None:
        now = datetime.now(UTC)
        if self._discovered_at is None or now - self._discovered_at >= REDISCOVER_EVERY:
            try:
                await self.rediscover(now=now)
            except Exception as exc:  # NetBox away: poll the meters already known
                log.warning("metering discovery failed", error=type(exc).__name__)
                self._discovered_at = now
        if self.config.mode == "auto" and not await self.targets():
            return
        report = await self.poll_once(now=now)
        if report.failed:
            log.info("metering round", polled=report.polled, failed=report.failed, skipped=report.skipped,
                     failures=dict(list(report.failures.items())[:20]))
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await rollup.prune(now=now)
            self._pruned_at = now

    async def _run(self) -> None:
        while True:
            try:
                if self.leads():
                    await self._tick()
            except Exception as exc:  # the next round retries; never take the app down
                log.error("metering round failed", error=type(exc).__name__)
            await asyncio.sleep(self.config.interval)

    async def start(self) -> None:
        if self.config.mode != "off" and self.run_loop:
            self.task = asyncio.create_task(self._run(), name="metering-poller")

    async def stop(self) -> None:
        await periodic.stop(self.task)
        self.poller.close()


def targets_of(rows: Sequence[Mapping[str, Any]]) -> list[Target]:
    """One target per PDU: the meters of one PDU's inlets (same device and address) are read together,
    with the first meter's sealed community (the same NetBox custom field for all of them)."""
    pdus: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for r in rows:
        whole = not r["inlet"] or r["netbox_device_id"] is None
        key = ("meter", r["id"]) if whole else (r["netbox_device_id"], r["host"], r["port"])
        pdus.setdefault(key, []).append(r)
    targets = []
    for meters in pdus.values():
        r = meters[0]
        inlets = tuple(sorted((m["inlet"], m["id"]) for m in meters if m["inlet"]))
        targets.append(Target(meter_id=r["id"], host=r["host"], port=r["port"], vendor=r["vendor"],
                              version=SnmpVersion(r["snmp_version"]), sealed_community=r["community_sealed"],
                              inlets=inlets))
    return targets
