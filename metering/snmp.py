"""The SNMP poller: one GETBULK per PDU per round over pysnmp's asyncio API (v2c or v3 authPriv),
read through the vendor's column table (metering/vendors.py).

A round polls every target at once under a bounded concurrency; each PDU has its own deadline, so
a dead agent (closed port: no answer) or a slow one costs its own timeout and never the round's.
A PDU that keeps failing is backed off: skipped for interval * 2^(failures-1), at most BACKOFF_MAX,
then tried again. The round returns what it read and who failed; storing is the caller's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pysnmp.hlapi.v3arch.asyncio import (
    USM_AUTH_HMAC96_SHA,
    USM_PRIV_CFB128_AES,
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
)

from metering.config import SnmpCredentials
from metering.status import SnmpVersion
from metering.vendors import DEFAULT_VENDOR, VENDORS, VendorMib, channel_of

BACKOFF_MAX = 900.0  # seconds: a dead PDU is still tried every 15 minutes
MAX_ROWS = 4  # rows read per column in one GETBULK: 3 phases or 4 probes


@dataclass(frozen=True, slots=True)
class Target:
    meter_id: UUID
    host: str
    port: int
    vendor: str = DEFAULT_VENDOR
    version: SnmpVersion = SnmpVersion.V2C
    community: str = field(default="", repr=False)  # the device's own; else Colo's


@dataclass(frozen=True, slots=True)
class Sample:
    meter_id: UUID
    channel: int
    metric: str
    value: float


@dataclass(slots=True)
class RoundResult:
    samples: list[Sample] = field(default_factory=list)
    answered: list[UUID] = field(default_factory=list)
    failed: dict[UUID, str] = field(default_factory=dict)  # meter → why
    skipped: list[UUID] = field(default_factory=list)  # backed off this round
    seconds: float = 0.0


@dataclass(slots=True)
class _Health:
    failures: int = 0
    retry_at: float = 0.0  # monotonic


class Poller:
    def __init__(self, *, credentials: SnmpCredentials, timeout: float = 2.0, concurrency: int = 64,
                 interval: float = 60.0) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.interval = interval
        self._slots = asyncio.Semaphore(concurrency)
        self._engine: SnmpEngine | None = None
        self._health: dict[UUID, _Health] = {}

    def engine(self) -> SnmpEngine:
        if self._engine is None:
            self._engine = SnmpEngine()
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None

    def _auth(self, target: Target) -> CommunityData | UsmUserData:
        if target.version is SnmpVersion.V3:
            c = self.credentials
            return UsmUserData(c.v3_user, authKey=c.v3_auth_key, privKey=c.v3_priv_key,
                               authProtocol=USM_AUTH_HMAC96_SHA, privProtocol=USM_PRIV_CFB128_AES)
        # v2c where the PDU speaks nothing better (its community is a read-only one); v3 authPriv otherwise
        return CommunityData(target.community or self.credentials.community, mpModel=1)  # noqa: S508

    async def read(self, target: Target) -> list[Sample]:
        """One PDU, one GETBULK of every column; raises TimeoutError or RuntimeError."""
        mib: VendorMib = VENDORS[target.vendor]
        transport = await UdpTransportTarget.create((target.host, target.port), timeout=self.timeout, retries=0)
        error, status, _, var_binds = await asyncio.wait_for(bulk_cmd(
            self.engine(), self._auth(target), transport, ContextData(), 0, MAX_ROWS,
            *[ObjectType(ObjectIdentity(column.oid)) for column in mib.columns], lookupMib=False,
        ), timeout=self.timeout + 0.5)
        if error:
            raise TimeoutError(str(error)) if "timeout" in str(error).lower() else RuntimeError(str(error))
        if status:
            raise RuntimeError(f"SNMP error status {status}")
        # GETBULK runs each column on past its last row into the next ones: keep each (channel, metric) once
        found: dict[tuple[int, str], Sample] = {}
        for name, value in var_binds:
            oid = str(name)
            for column in mib.columns:
                prefix = column.oid + "."
                if not oid.startswith(prefix):
                    continue
                row = oid[len(prefix):]
                if not row.isdigit() or (column.single and row != "1"):
                    continue
                try:
                    raw = float(int(value))
                except (TypeError, ValueError):
                    continue  # endOfMibView, noSuchObject: the PDU has no such row
                channel = channel_of(column, int(row))
                found.setdefault((channel, column.metric.value), Sample(
                    target.meter_id, channel, column.metric.value, round(raw * column.scale, 3)))
        return list(found.values())

    async def _poll_one(self, target: Target, result: RoundResult, now_mono: float) -> None:
        health = self._health.setdefault(target.meter_id, _Health())
        if health.retry_at > now_mono:
            result.skipped.append(target.meter_id)
            return
        async with self._slots:
            try:
                samples = await self.read(target)
            except (TimeoutError, RuntimeError, OSError) as exc:
                health.failures += 1
                health.retry_at = now_mono + min(self.interval * 2 ** (health.failures - 1), BACKOFF_MAX) \
                    if health.failures > 1 else 0.0
                result.failed[target.meter_id] = type(exc).__name__ if not str(exc) else str(exc)[:200]
                return
        health.failures, health.retry_at = 0, 0.0
        result.samples.extend(samples)
        result.answered.append(target.meter_id)

    async def poll_round(self, targets: Sequence[Target], *, now: datetime | None = None) -> RoundResult:
        """Every target once (those backed off are skipped); never raises for one PDU's failure."""
        del now  # the round's timestamp is the caller's; kept for a symmetric signature
        result = RoundResult()
        started = time.monotonic()
        await asyncio.gather(*(self._poll_one(t, result, started) for t in targets))
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def backed_off(self, meter_id: UUID) -> bool:
        health = self._health.get(meter_id)
        return bool(health and health.retry_at > time.monotonic())
