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

from metering.community import community_key, unseal
from metering.config import SnmpCredentials
from metering.snmp_wire import V2cClient, VarBind
from metering.status import TOTAL_CHANNEL, SnmpVersion
from metering.vendors import DEFAULT_VENDOR, VENDORS, VendorMib

BACKOFF_MAX = 900.0  # seconds: a dead PDU is still tried every 15 minutes
# A PDU's rows (inlets, phases, probes) are learnt from a GETBULK of each table's key column, then
# read by one GET of exactly those OIDs: a handful of varbinds instead of every column x max_rows
# (a fraction of the agent's work). A row that stops answering is dropped; every RELEARN_EVERY-th
# round (staggered: a thirtieth of the PDUs a round) the key columns are walked again.
RELEARN_EVERY = 30


@dataclass(frozen=True, slots=True)
class Target:
    meter_id: UUID
    host: str
    port: int
    vendor: str = DEFAULT_VENDOR
    version: SnmpVersion = SnmpVersion.V2C
    # The device's own community as stored: sealed with the meter_id (metering/community.py), "" =
    # Colo's. Unsealed by the poller only, when it builds a request.
    sealed_community: str = field(default="", repr=False)
    # A PDU whose inlets are on different feeds: each inlet's meter (inlet number, meter id); the
    # PDU's figures are then split by inlet. Empty: one meter (meter_id) for the whole PDU.
    inlets: tuple[tuple[int, UUID], ...] = ()

    @property
    def meter_ids(self) -> tuple[UUID, ...]:
        return tuple(meter for _, meter in self.inlets) or (self.meter_id,)


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


def key_oids(mib: VendorMib) -> list[str]:
    """The columns one GETBULK walks to learn a PDU's rows: each table's key column."""
    return [oids[0] for oids in mib.tables().values()]


def layout_of(mib: VendorMib, walked: list[VarBind]) -> list[str]:
    """Every OID a GET reads from this PDU: each table's columns at the rows its key column answered."""
    layout: list[str] = []
    for oids in mib.tables().values():
        prefix = oids[0] + "."
        rows = dict.fromkeys(name[len(prefix):] for name, value in walked
                             if value is not None and name.startswith(prefix) and name[len(prefix):].isdigit())
        layout += [f"{oid}.{row}" for row in rows for oid in oids]
    return layout


def samples_of(target: Target, mib: VendorMib, varbinds: list[VarBind]) -> list[Sample]:
    """The readings in a GETBULK answer, each on its inlet's meter. GETBULK runs each column on
    past its last row into the next ones: a row counts for the first column it belongs to only."""
    prefixes = [(oid + ".", oid) for oid in mib.oids()]
    table: dict[str, dict[int, int]] = {oid: {} for oid in mib.oids()}
    for name, value in varbinds:
        if value is None:
            continue
        for prefix, oid in prefixes:
            if name.startswith(prefix):
                index = name[len(prefix):]
                if index.isdigit():
                    table[oid].setdefault(int(index), value)
                break
    inlet_meter = dict(target.inlets)
    first = inlet_meter[min(inlet_meter)] if inlet_meter else target.meter_id
    found: dict[tuple[UUID, int, str], Sample] = {}

    def add(meter: UUID | None, channel: int, metric: str, raw: float, scale: float) -> None:
        if meter is not None:
            found.setdefault((meter, channel, metric), Sample(meter, channel, metric, round(raw * scale, 3)))

    inlet_of = table.get(mib.phase_inlet_oid, {})
    number_of = table.get(mib.phase_number_oid, {})
    for column in mib.columns:
        rows = table[column.oid]
        if column.table == "device":  # a row per inlet (module)
            if inlet_meter:
                for row, raw in rows.items():
                    add(inlet_meter.get(row), TOTAL_CHANNEL, column.metric.value, raw, column.scale)
            elif rows:  # the whole PDU: its inlets together
                add(target.meter_id, TOTAL_CHANNEL, column.metric.value, sum(rows.values()), column.scale)
        elif column.table == "phase":
            for row, raw in rows.items():
                if inlet_meter:
                    meter, phase = inlet_meter.get(inlet_of.get(row, 1)), number_of.get(row, row)
                else:
                    meter, phase = target.meter_id, row
                add(meter, column.channel_offset + phase, column.metric.value, raw, column.scale)
        else:  # probes are the PDU's: reported on its first inlet's meter
            for row, raw in rows.items():
                add(first, column.channel_offset + row, column.metric.value, raw, column.scale)
    return list(found.values())


class Poller:
    def __init__(self, *, credentials: SnmpCredentials, timeout: float = 2.0, concurrency: int = 64,
                 interval: float = 60.0, master_key: bytes = b"") -> None:
        self.credentials = credentials
        self._community_key = community_key(master_key) if master_key else b""
        self.timeout = timeout
        self.interval = interval
        self._slots = asyncio.Semaphore(concurrency)
        self._engine: SnmpEngine | None = None
        self._v2c = V2cClient()
        self._layout: dict[UUID, list[str]] = {}  # a PDU's (first meter's) OIDs that answered numbers
        self._rounds = 0
        self._health: dict[UUID, _Health] = {}

    def engine(self) -> SnmpEngine:
        if self._engine is None:
            self._engine = SnmpEngine()
        return self._engine

    def close(self) -> None:
        self._v2c.close()
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None

    def _community(self, target: Target) -> str:
        """The v2c community a request carries: the PDU's own, unsealed now, else Colo's setting."""
        if target.sealed_community:
            return unseal(self._community_key, target.meter_id, target.sealed_community)
        return self.credentials.community

    def _auth(self, target: Target) -> CommunityData | UsmUserData:
        if target.version is SnmpVersion.V3:
            c = self.credentials
            return UsmUserData(c.v3_user, authKey=c.v3_auth_key, privKey=c.v3_priv_key,
                               authProtocol=USM_AUTH_HMAC96_SHA, privProtocol=USM_PRIV_CFB128_AES)
        # v2c where the PDU speaks nothing better (its community is a read-only one); v3 authPriv otherwise
        return CommunityData(self._community(target), mpModel=1)  # noqa: S508

    async def _v2c_varbinds(self, target: Target, mib: VendorMib) -> list[VarBind]:
        """The lean path: no pysnmp engine (metering/snmp_wire.py); a GET of the rows the PDU has."""
        community = self._community(target)
        known = self._layout.get(target.meter_id)
        if not known or not (self._rounds + target.meter_id.int) % RELEARN_EVERY:  # PDUs relearn in turn
            walked = await self._v2c.request(target.host, target.port, community, key_oids(mib),
                                             max_repetitions=mib.max_rows, timeout=self.timeout)
            known = layout_of(mib, walked)
            if not known:
                self._layout.pop(target.meter_id, None)
                return walked
        got = await self._v2c.request(target.host, target.port, community, known, max_repetitions=None,
                                      timeout=self.timeout)
        present = [name for name, value in got if value is not None]
        if present:  # a row gone (noSuchInstance) is dropped; none left: walk again next round
            self._layout[target.meter_id] = present
        else:
            self._layout.pop(target.meter_id, None)
        return got

    async def _varbinds(self, target: Target, mib: VendorMib) -> list[VarBind]:
        if target.version is SnmpVersion.V2C:
            return await self._v2c_varbinds(target, mib)
        transport = await UdpTransportTarget.create((target.host, target.port), timeout=self.timeout, retries=0)
        error, status, _, var_binds = await asyncio.wait_for(bulk_cmd(
            self.engine(), self._auth(target), transport, ContextData(contextName=self.credentials.v3_context), 0,
            mib.max_rows,
            *[ObjectType(ObjectIdentity(oid)) for oid in mib.oids()], lookupMib=False,
        ), timeout=self.timeout + 0.5)
        if error:  # e.g. a wrong v3 user, key or pass phrase: the agent's USM report, named
            text = str(error)
            raise TimeoutError(text) if "timeout" in text.lower() else RuntimeError(f"SNMPv3: {text}")
        if status:
            raise RuntimeError(f"SNMP error status {status}")
        found: list[VarBind] = []
        for name, value in var_binds:
            try:
                found.append((str(name), int(value)))
            except (TypeError, ValueError):
                found.append((str(name), None))  # endOfMibView, noSuchObject: the PDU has no such row
        return found

    async def read(self, target: Target) -> list[Sample]:
        """One PDU, one GETBULK of every column; raises TimeoutError or RuntimeError."""
        mib: VendorMib = VENDORS[target.vendor]
        return samples_of(target, mib, await self._varbinds(target, mib))

    async def _poll_one(self, target: Target, result: RoundResult, now_mono: float) -> None:
        health = self._health.setdefault(target.meter_id, _Health())
        if health.retry_at > now_mono:
            result.skipped.extend(target.meter_ids)
            return
        async with self._slots:
            try:
                samples = await self.read(target)
            except (TimeoutError, RuntimeError, OSError) as exc:
                health.failures += 1
                health.retry_at = now_mono + min(self.interval * 2 ** (health.failures - 1), BACKOFF_MAX) \
                    if health.failures > 1 else 0.0
                why = type(exc).__name__ if not str(exc) else str(exc)[:200]
                result.failed.update({meter: why for meter in target.meter_ids})
                return
        health.failures, health.retry_at = 0, 0.0
        result.samples.extend(samples)
        result.answered.extend(target.meter_ids)

    async def poll_round(self, targets: Sequence[Target], *, now: datetime | None = None) -> RoundResult:
        """Every target once (those backed off are skipped); never raises for one PDU's failure."""
        del now  # the round's timestamp is the caller's; kept for a symmetric signature
        result = RoundResult()
        self._rounds += 1
        started = time.monotonic()
        await asyncio.gather(*(self._poll_one(t, result, started) for t in targets))
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def backed_off(self, meter_id: UUID) -> bool:
        health = self._health.get(meter_id)
        return bool(health and health.retry_at > time.monotonic())
