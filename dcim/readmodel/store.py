"""Writing the read model: a full replace, or a rack-scoped replace after a webhook.

Each write is one short transaction over rows already fetched from NetBox — never a
transaction held open across a NetBox call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from dcim.readmodel.build import ReadModelRows
from dcim.readmodel.cache import bump_generation
from dcim.tables import (
    PlantCable,
    PlantDevice,
    PlantLocation,
    PlantPort,
    PlantPowerFeed,
    PlantPowerPanel,
    PlantPowerPort,
    PlantRack,
    PlantReservation,
    PlantSite,
    PlantSyncState,
    PlantTenant,
)

BY_NAME: dict[str, type[Table]] = {t._meta.tablename: t for t in (
    PlantSite, PlantLocation, PlantTenant, PlantRack, PlantReservation, PlantDevice,
    PlantPowerPanel, PlantPowerFeed, PlantPowerPort, PlantPort, PlantCable,
)}
BATCH = 1000
WRITER_LOCK_KEY = 7_310_042  # pg advisory lock: one read-model writer at a time, across processes


async def _one_writer() -> None:
    """Inside a write transaction: wait for any other process's read-model write to finish.

    Two processes swapping the tables at once would otherwise collide on netbox_id. SQLite
    already admits one writer at a time.
    """
    if isinstance(PlantRack._meta.db, PostgresEngine):
        await PlantRack.raw("SELECT pg_advisory_xact_lock({})", WRITER_LOCK_KEY)


async def insert_rows(table: type[Table], rows: Iterable[dict[str, Any]]) -> None:
    batch: list[Table] = []
    for row in rows:
        batch.append(table(**row))
        if len(batch) >= BATCH:
            await table.insert(*batch)
            batch = []
    if batch:
        await table.insert(*batch)


async def replace_all(rows: ReadModelRows, *, seconds: float, detail: str = "") -> None:
    """Swap the whole read model for a fresh full sync, atomically for readers."""
    async with PlantRack._meta.db.transaction():
        await _one_writer()
        for name, table in BY_NAME.items():
            await table.delete(force=True)
            await insert_rows(table, rows.tables.get(name, []))
        await _record("full", objects=rows.count, seconds=seconds, detail=detail)
        await bump_generation()


async def replace_racks(rack_ids: list[int], rows: ReadModelRows, *, seconds: float) -> None:
    """Replace what belongs to some racks (the racks, their devices, reservations, feeds and the
    power ports plugged into those feeds) with a fresh read of just that scope."""
    new_devices = [r["netbox_id"] for r in rows["dcim_device"]]
    new_reservations = [r["netbox_id"] for r in rows["dcim_reservation"]]
    new_feeds = [r["netbox_id"] for r in rows["dcim_power_feed"]]
    new_ports = [r["netbox_id"] for r in rows["dcim_power_port"]]
    async with PlantRack._meta.db.transaction():
        await _one_writer()
        old_feeds = [r["netbox_id"] for r in await PlantPowerFeed.select(PlantPowerFeed.netbox_id)
                     .where(PlantPowerFeed.rack_id.is_in(rack_ids))]
        feeds = sorted(set(old_feeds) | set(new_feeds))
        if feeds:
            await PlantPowerPort.delete().where(PlantPowerPort.feed_id.is_in(feeds))
        if new_ports:
            await PlantPowerPort.delete().where(PlantPowerPort.netbox_id.is_in(new_ports))
        for table, column, ids in (
            (PlantDevice, PlantDevice.rack_id, rack_ids), (PlantDevice, PlantDevice.netbox_id, new_devices),
            (PlantReservation, PlantReservation.rack_id, rack_ids),
            (PlantReservation, PlantReservation.netbox_id, new_reservations),
            (PlantPowerFeed, PlantPowerFeed.rack_id, rack_ids), (PlantPowerFeed, PlantPowerFeed.netbox_id, new_feeds),
            (PlantRack, PlantRack.netbox_id, rack_ids),
        ):
            if ids:
                await table.delete().where(column.is_in(ids))
        for name in ("dcim_rack", "dcim_device", "dcim_reservation", "dcim_power_feed", "dcim_power_port"):
            await insert_rows(BY_NAME[name], rows[name])
        await _record("event", objects=rows.count, seconds=seconds, detail=f"racks {rack_ids[:20]}")
        await bump_generation()


async def replace_device_ports(device_ids: list[int], ports: list[dict[str, Any]]) -> None:
    """Replace the patch ports of some devices (e.g. a demarcation panel Colo just provisioned)."""
    async with PlantRack._meta.db.transaction():
        await _one_writer()
        await PlantPort.delete().where(PlantPort.device_id.is_in(device_ids))
        await insert_rows(PlantPort, ports)
        await bump_generation()


async def upsert(table_name: str, row: dict[str, Any]) -> None:
    """Replace one simple row (site, location, tenant, panel, cable) from a webhook payload."""
    table = BY_NAME[table_name]
    async with table._meta.db.transaction():
        await _one_writer()
        await table.delete().where(table._meta.get_column_by_name("netbox_id") == row["netbox_id"])
        await table.insert(table(**row))
        await bump_generation()


async def delete(table_name: str, netbox_id: int) -> None:
    table = BY_NAME[table_name]
    async with table._meta.db.transaction():
        await _one_writer()
        await table.delete().where(table._meta.get_column_by_name("netbox_id") == netbox_id)
        await bump_generation()


async def _record(kind: str, *, objects: int, seconds: float, detail: str) -> None:
    now = datetime.now(UTC)
    updated = await PlantSyncState.update(
        {PlantSyncState.finished_at: now, PlantSyncState.objects: objects,
         PlantSyncState.seconds: seconds, PlantSyncState.detail: detail[:2000]}
    ).where(PlantSyncState.kind == kind).returning(PlantSyncState._meta.primary_key)
    if not updated:
        await PlantSyncState.insert(PlantSyncState(kind=kind, finished_at=now, objects=objects,
                                                   seconds=seconds, detail=detail[:2000]))


async def last_sync() -> dict[str, datetime]:
    """When each sync kind last succeeded."""
    rows = await PlantSyncState.select(PlantSyncState.kind, PlantSyncState.finished_at)
    return {r["kind"]: r["finished_at"] for r in rows}
