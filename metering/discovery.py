"""Meters from discovery: the typed rows api/ assembles from NetBox (dcim's gateway) are written
as metering's meters — one per PDU and feed it is cabled to — so there is no second inventory.

A PDU that left NetBox (or its role) is deactivated, never deleted: its readings stay billable.
A PDU replaced on a feed is a new meter (a new device id) on the same feed; the old one is
deactivated and its energy stays with it (metering/rollup.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from metering.community import community_key, seal
from metering.status import MeterSource, SnmpVersion
from metering.tables import Meter
from metering.vendors import DEFAULT_VENDOR, VENDORS


@dataclass(frozen=True, slots=True)
class DiscoveredMeter:
    key: str  # netbox:<device id>[:<feed id>]
    name: str
    netbox_device_id: int | None
    host: str
    port: int = 161
    vendor: str = DEFAULT_VENDOR
    snmp_version: SnmpVersion = SnmpVersion.V2C
    community: str = field(default="", repr=False)  # plain, from NetBox; stored sealed only
    feed_id: int | None = None
    inlet: int = 0  # the PDU's inlet on this feed when its inlets are on different feeds; 0 = whole PDU
    feed_name: str = ""
    side: str = ""
    feed_capacity_w: int = 0
    rack_id: int | None = None
    tenant_id: UUID | None = None
    contracted_w: int = 0
    source: MeterSource = MeterSource.SNMP


@dataclass(frozen=True, slots=True)
class SyncResult:
    created: int
    updated: int
    deactivated: int


def meter_key(device_id: int, feed_id: int | None, feeds_of_device: int) -> str:
    return f"netbox:{device_id}" if feeds_of_device <= 1 or feed_id is None else f"netbox:{device_id}:{feed_id}"


async def sync_meters(rows: Sequence[DiscoveredMeter], *, now: datetime | None = None,
                      deactivate_missing: bool = True, master_key: bytes = b"") -> SyncResult:
    """Write the discovered meters. A row naming a community of its own needs `master_key`: the
    community is stored sealed (metering/community.py), never as it came from NetBox."""
    if any(r.community for r in rows) and not master_key:
        raise ValueError("a PDU names an SNMP community: sync_meters needs the master key to seal it")
    key = community_key(master_key) if master_key else b""
    moment = now or datetime.now(UTC)
    existing = {m["key"]: m for m in await Meter.select(Meter.id, Meter.key, Meter.source)}
    created = updated = 0
    for row in rows:
        meter_id: UUID = existing[row.key]["id"] if row.key in existing else uuid4()
        values = {
            Meter.name: row.name[:200], Meter.source: row.source.value, Meter.netbox_device_id: row.netbox_device_id,
            Meter.feed_id: row.feed_id, Meter.inlet: row.inlet, Meter.feed_name: row.feed_name[:200],
            Meter.side: row.side,
            Meter.feed_capacity_w: row.feed_capacity_w, Meter.rack_id: row.rack_id, Meter.tenant_id: row.tenant_id,
            Meter.contracted_w: row.contracted_w, Meter.host: row.host, Meter.port: row.port,
            Meter.vendor: row.vendor if row.vendor in VENDORS else DEFAULT_VENDOR,
            Meter.snmp_version: row.snmp_version.value,
            Meter.community_sealed: seal(key, meter_id, row.community), Meter.active: True,
            Meter.discovered_at: moment,
        }
        if row.key in existing:
            await Meter.update(values).where(Meter.key == row.key)  # type: ignore[arg-type]
            updated += 1
        else:
            meter = Meter(id=meter_id, key=row.key)
            for column, value in values.items():
                setattr(meter, column._meta.name, value)
            await Meter.insert(meter)
            created += 1
    gone = [m["id"] for key, m in existing.items()
            if key not in {r.key for r in rows} and m["source"] == MeterSource.SNMP.value]
    if deactivate_missing and gone:
        await Meter.update({Meter.active: False}).where(Meter.id.is_in(gone))
    return SyncResult(created=created, updated=updated, deactivated=len(gone) if deactivate_missing else 0)


async def snmp_meters() -> list[dict[str, Any]]:
    """The active meters the poller reads."""
    return list(await Meter.select(Meter.id, Meter.host, Meter.port, Meter.vendor, Meter.snmp_version,
                                   Meter.community_sealed, Meter.inlet, Meter.netbox_device_id).where(
        (Meter.active == True)  # noqa: E712 - Piccolo SQL
        & (Meter.source == MeterSource.SNMP.value) & (Meter.host != "")))
