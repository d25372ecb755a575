"""Attachments and the disk, against the real app and PostgreSQL: a download whose file is not on
this server (a database restored without the attachments directory) is a 404 saying so, logged at
error level, not a 500; a cancelled or a completed ticket refuses files with a 409 naming its state;
an upload whose insert fails leaves no file behind (nor a temporary one), and never removes a file
that another attachment refers to. The insert is made to fail by a real trigger in the test
database that refuses one marked file name."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from servicedesk.attachments import blob_path
from servicedesk.tables import Attachment
from tests.api.servicedesk.conftest import DeskPlant
from tests.api.servicedesk.test_attachments_isolation import DESK, new_ticket, png, upload

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
Run = Callable[..., Awaitable[Any]]
REFUSED_NAME = "refused-by-trigger"


def unique_png() -> bytes:
    """A PNG no other test stores (bytes after IEND: the type is still read as PNG)."""
    return png() + uuid.uuid4().bytes


def root_of(app: Litestar) -> Path:
    return Path(app.state.services.service_desk.config.attachments_dir)


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".upload-*")]


@pytest_asyncio.fixture
async def failing_insert(run_in_app: Run) -> AsyncIterator[None]:
    """A trigger that refuses attachment rows whose file name starts with REFUSED_NAME."""
    table = Attachment._meta.tablename

    async def install() -> None:
        await Attachment.raw(f"""CREATE OR REPLACE FUNCTION test_refuse_attachment() RETURNS trigger AS $$
            BEGIN
              IF NEW.filename LIKE '{REFUSED_NAME}%' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        await Attachment.raw(f"CREATE TRIGGER test_refuse_attachment BEFORE INSERT ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION test_refuse_attachment()")

    async def remove() -> None:
        await Attachment.raw(f"DROP TRIGGER IF EXISTS test_refuse_attachment ON {table}")
        await Attachment.raw("DROP FUNCTION IF EXISTS test_refuse_attachment()")

    await run_in_app(install)
    try:
        yield
    finally:
        await run_in_app(remove)


async def test_a_download_whose_file_is_missing_says_so_and_is_logged(
    client: AsyncTestClient, app: Litestar, desk: DeskPlant, capsys: pytest.CaptureFixture[str],
) -> None:
    tenant = desk.a.admin.headers
    ticket = await new_ticket(client, tenant, desk.a.rack)
    content = unique_png()
    stored = await upload(client, tenant, ticket, "rack.png", content)
    assert stored.status_code == 201, stored.text
    attachment = stored.json()["id"]
    blob_path(root_of(app), stored.json()["sha256"]).unlink()  # restored without the attachments directory
    capsys.readouterr()
    missing = await client.get(f"{DESK}/tickets/{ticket}/attachments/{attachment}", headers=tenant)
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "not stored on this server" in missing.json()["detail"]
    logged = capsys.readouterr().err
    assert "attachment file missing" in logged and "error" in logged and attachment in logged
    # another tenant still learns nothing: its answer is the plain "not found"
    theirs = await client.get(f"{DESK}/tickets/{ticket}/attachments/{attachment}", headers=desk.b.admin.headers)
    assert theirs.status_code == 404 and "stored" not in theirs.json()["detail"]
    # a file changed behind Colo's back is refused the same way, not served
    blob_path(root_of(app), stored.json()["sha256"]).write_bytes(b"tampered")
    altered = await client.get(f"{DESK}/tickets/{ticket}/attachments/{attachment}", headers=tenant)
    assert altered.status_code == 404 and "does not match its sha256" in altered.json()["detail"]
    assert "attachment file altered" in capsys.readouterr().err


async def test_cancelled_and_completed_tickets_refuse_files(client: AsyncTestClient, desk: DeskPlant) -> None:
    tenant, ops = desk.a.admin.headers, desk.ops.headers
    cancelled = await new_ticket(client, tenant, desk.a.rack)
    assert (await client.post(f"{DESK}/tickets/{cancelled}/cancel", headers=tenant,
                              json={"reason": "not needed"})).status_code == 200
    completed = await new_ticket(client, tenant, desk.a.rack)
    for step in ("accept", "start", "complete"):
        moved = await client.post(f"{DESK}/tickets/{completed}/{step}", headers=ops,
                                  json={"resolution": "done"} if step == "complete" else None)
        assert moved.status_code == 200, (step, moved.text)
    for ticket, state in ((cancelled, "cancelled"), (completed, "completed")):
        for headers in (tenant, ops):
            refused = await upload(client, headers, ticket, "late.png", unique_png())
            assert refused.status_code == 409, refused.text
            problem = refused.json()
            assert problem["type"].endswith("/conflict") and problem["state"] == state
            assert state in problem["detail"]
        assert (await client.get(f"{DESK}/tickets/{ticket}", headers=tenant)).json()["attachments"] == []
    # reopened, the completed one takes files again
    assert (await client.post(f"{DESK}/tickets/{completed}/reopen", headers=tenant,
                              json={"text": "It hangs again"})).status_code == 200
    assert (await upload(client, tenant, completed, "again.png", unique_png())).status_code == 201


@pytest.mark.usefixtures("failing_insert")
async def test_a_failed_insert_leaves_no_file_and_keeps_a_shared_one(
    client: AsyncTestClient, app: Litestar, desk: DeskPlant,
) -> None:
    tenant, root = desk.a.admin.headers, root_of(app)
    ticket = await new_ticket(client, tenant, desk.a.rack)

    # new bytes whose insert fails: no file, no temporary file, no record
    alone = unique_png()
    failed = await upload(client, tenant, ticket, f"{REFUSED_NAME}.png", alone)
    assert failed.status_code == 500, failed.text
    assert not blob_path(root, hashlib.sha256(alone).hexdigest()).exists()
    assert leftovers(root) == []
    assert (await client.get(f"{DESK}/tickets/{ticket}", headers=tenant)).json()["attachments"] == []

    # bytes another attachment already has: its file stays when the second insert fails
    shared = unique_png()
    first = await upload(client, tenant, ticket, "shared.png", shared)
    assert first.status_code == 201, first.text
    other = await new_ticket(client, tenant, desk.a.rack)
    assert (await upload(client, tenant, other, f"{REFUSED_NAME}-2.png", shared)).status_code == 500
    assert blob_path(root, first.json()["sha256"]).read_bytes() == shared
    down = await client.get(f"{DESK}/tickets/{ticket}/attachments/{first.json()['id']}", headers=tenant)
    assert down.status_code == 200 and down.content == shared

    # a record whose file was lost: a failed upload of the same bytes writes the file again and,
    # since that record refers to it, keeps it
    blob_path(root, first.json()["sha256"]).unlink()
    assert (await upload(client, tenant, other, f"{REFUSED_NAME}-3.png", shared)).status_code == 500
    assert blob_path(root, first.json()["sha256"]).read_bytes() == shared
    assert leftovers(root) == []
    events = (await client.get(f"{DESK}/tickets/{other}/events", headers=tenant)).json()["items"]
    assert [e for e in events if e["kind"] == "attachment"] == []
