"""`colo db migrate` on a database that has the visits app's earlier migrations but not the one
adding `visits_alert.acknowledgement_note`: the column is added, the alerts already there keep
their rows and read with an empty note, and migrating again changes nothing."""

from __future__ import annotations

import uuid

import asyncpg

from tests import audit_support as support

NOTE_MIGRATION = "2026-11-30T15:30:00:000000"


async def test_an_older_database_gains_the_note_column() -> None:
    name = f"colo_alert_note_{uuid.uuid4().hex[:8]}"
    url = f"{support.PG_SERVER}/{name}"
    support.migrate_in_subprocess(url)
    alert_id = uuid.uuid4()
    conn = await asyncpg.connect(url, timeout=10)
    try:
        # the database as it was before the note: without the column and without its migration's row
        await conn.execute("ALTER TABLE visits_alert DROP COLUMN acknowledgement_note")
        assert await conn.execute("DELETE FROM migration WHERE app_name = 'visits' AND name = $1",
                                  NOTE_MIGRATION) == "DELETE 1"
        await conn.execute(
            "INSERT INTO visits_alert (id, kind, detail, dedup_key, created_at, acknowledged_by) "
            "VALUES ($1, 'overstay', 'still on site', $2, now(), '')", alert_id, f"old:{alert_id}")
    finally:
        await conn.close()
    try:
        support.migrate_in_subprocess(url)
        support.migrate_in_subprocess(url)  # twice: nothing left to do the second time
        conn = await asyncpg.connect(url, timeout=10)
        try:
            row = await conn.fetchrow("SELECT detail, acknowledgement_note FROM visits_alert WHERE id = $1", alert_id)
            ran = await conn.fetchval("SELECT count(*) FROM migration WHERE app_name = 'visits' AND name = $1",
                                      NOTE_MIGRATION)
            length = await conn.fetchval(
                "SELECT character_maximum_length FROM information_schema.columns "
                "WHERE table_name = 'visits_alert' AND column_name = 'acknowledgement_note'")
        finally:
            await conn.close()
        assert row is not None and (row["detail"], row["acknowledgement_note"]) == ("still on site", "")
        assert ran == 1 and length == 500
    finally:
        await support.drop_database(name)
