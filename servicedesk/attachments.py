"""Attachments of a ticket: photos and PDFs, checked by their content, stored by their hash.

The type is read from the bytes (the `filetype` library's signatures), never from the name or
the declared content type: only JPEG, PNG, WebP and PDF are kept, and a name whose extension
says otherwise (a PNG called .pdf, a program called .jpg) is refused. The bytes are stored once
under COLO_ATTACHMENTS_DIR as `<sha256[:2]>/<sha256>` (the same file on two tickets is one copy);
the hash is in the ticket's history. Downloads go through the ticket's tenant scope: another
tenant's attachment answers "not found", like a missing one.

Files are added to open tickets only: a cancelled or completed ticket refuses them (409 naming
the state, checked in the same transaction as the insert, so a ticket closed meanwhile refuses too).

Writing: the bytes go to a temporary file in the blob's own directory and are renamed into place
(an identical file already there is kept), inside the transaction that inserts the rows and under
a per-hash lock (PostgreSQL advisory lock). If the insert fails, a file this upload created is
removed again, under the same lock and only when no attachment refers to its hash: a file another
ticket's attachment shares is never deleted because one insert failed, and no partial file is
left (the temporary file is removed on any failure of the write itself).

Reading: an attachment whose file is not on this server (a database restored without the
attachments directory) or whose bytes no longer match its sha256 is a 404 saying so, logged at
error level: the record exists, its file must be restored by the operator.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from uuid import UUID, uuid4

import filetype
from piccolo.engine.postgres import PostgresEngine

from colo.errors import Conflict, NotFound, ValidationFailed
from colo.identity import Principal
from colo.logging import get_logger
from colo.text import name_refusal
from servicedesk.config import ServiceDeskConfig
from servicedesk.schemas import AttachmentRead
from servicedesk.service import load_ticket, now_utc
from servicedesk.status import EventKind, TicketState
from servicedesk.tables import Attachment, Ticket, TicketEvent
from tenants.scope import scoped

# media type → the extensions a file of that type may be named with
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg"), "image/png": ("png",), "image/webp": ("webp",), "application/pdf": ("pdf",),
}
FIELD = "file"
CLOSED_STATES = (TicketState.CANCELLED, TicketState.COMPLETED)
BLOB_LOCK = 7_310_300  # pg advisory lock namespace (two-key form): one writer or remover per sha256
log = get_logger(__name__)


class FileNotStored(NotFound):
    """The attachment exists (in the caller's scope) but its file is not on this server, or is not
    the file its sha256 names: a 404 whose detail says so, not a 500."""

    def __init__(self, attachment_id: UUID, detail: str) -> None:
        super().__init__("attachment", attachment_id)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Download:
    attachment: AttachmentRead
    content: bytes


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def media_type_of(content: bytes) -> str:
    """The allowed media type the content's bytes show, or a 422 on `file`."""
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED:
        shown = kind.mime if kind is not None else "not a recognised format"
        raise ValidationFailed(FIELD, f"only photos (JPEG, PNG, WebP) and PDFs are accepted; the content is {shown}")
    return str(kind.mime)


def checked_name(filename: str, media_type: str) -> str:
    """The file's own name (no directories), checked against the content's type."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if not name:
        name = "attachment"
    if (reason := name_refusal(name)) is not None:
        raise ValidationFailed(FIELD, f"the file name {reason}")
    stem, dot, extension = name.rpartition(".")
    extensions = ALLOWED[media_type]
    if not dot or not stem:
        return f"{name[:190]}.{extensions[0]}"
    if extension.lower() not in extensions:
        raise ValidationFailed(FIELD, f"the name says .{extension[:10]} but the content is {media_type}")
    return name if len(name) <= 200 else f"{stem[:190]}.{extension}"


def _store(root: Path, sha256: str, content: bytes) -> bool:
    """Put the bytes at their blob path: True when this call created the file, False when an
    identical one was there already (kept as it is). Written to a temporary file in the same
    directory, synced and renamed into place, so the blob path never holds a partial file; the
    temporary file is removed on any failure."""
    path = blob_path(root, sha256)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


async def _lock_blob(sha256: str) -> None:
    """Serialise the writers and removers of one blob until the transaction ends."""
    if isinstance(Attachment._meta.db, PostgresEngine):
        await Attachment.raw("SELECT pg_advisory_xact_lock({}, hashtext({}))", BLOB_LOCK, sha256)
    # SQLite serialises writers on its own: the transaction's write lock is the guard.


async def _remove_unreferenced(root: Path, sha256: str) -> None:
    """After a failed insert: remove the blob this upload created, unless an attachment refers to
    it (another upload of the same bytes committed meanwhile, or an older record whose missing
    file this upload restored)."""
    try:
        async with Attachment._meta.db.transaction():
            await _lock_blob(sha256)
            if await Attachment.exists().where(Attachment.sha256 == sha256):
                return
            await asyncio.to_thread(blob_path(root, sha256).unlink, missing_ok=True)
    except Exception:  # the insert's own error is the one to report; this one is only logged
        log.exception("could not remove an attachment file after a failed insert", sha256=sha256)


async def add_attachment(*, principal: Principal, ticket_id: UUID, filename: str, content: bytes,
                         config: ServiceDeskConfig, now: datetime | None = None) -> AttachmentRead:
    moment = now or now_utc()
    ticket = await load_ticket(principal=principal, ticket_id=ticket_id)
    if not content:
        raise ValidationFailed(FIELD, "the file is empty")
    if len(content) > config.attachment_max_bytes:
        raise ValidationFailed(FIELD, f"larger than {config.attachment_max_bytes} bytes")
    media_type = media_type_of(content)
    name = checked_name(filename, media_type)
    sha256 = hashlib.sha256(content).hexdigest()
    row = Attachment(id=uuid4(), ticket_id=ticket_id, tenant_id=ticket["tenant_id"], sha256=sha256,
                     size=len(content), media_type=media_type, filename=name, uploaded_by=principal.key_id,
                     created_at=moment)
    created = False
    try:
        async with Ticket._meta.db.transaction():
            still_open = await Ticket.update({Ticket.updated_at: moment}).where(
                (Ticket.id == ticket_id) & Ticket.state.not_in([state.value for state in CLOSED_STATES])
            ).returning(Ticket.state)
            if not still_open:
                state = (await Ticket.select(Ticket.state).where(Ticket.id == ticket_id).first() or ticket)["state"]
                raise Conflict(f"no file can be attached to a ticket that is {state}", state=state)
            await _lock_blob(sha256)
            created = await asyncio.to_thread(_store, config.attachments_dir, sha256, content)
            await Attachment.insert(row)
            await TicketEvent.insert(TicketEvent(
                id=uuid4(), ticket_id=ticket_id, tenant_id=ticket["tenant_id"], at=moment, actor=principal.key_id,
                actor_role=principal.role.value, kind=EventKind.ATTACHMENT.value, text=name, sha256=sha256))
    except BaseException:
        if created:
            await asyncio.shield(_remove_unreferenced(config.attachments_dir, sha256))
        raise
    stored = await Attachment.select().where(Attachment.id == row.id).first()
    assert stored is not None
    return AttachmentRead.of(stored)


async def download(*, principal: Principal, ticket_id: UUID, attachment_id: UUID,
                   config: ServiceDeskConfig) -> Download:
    query = Attachment.select().where((Attachment.id == attachment_id) & (Attachment.ticket_id == ticket_id))
    row = await scoped(query, principal=principal, column=Attachment.tenant_id).first()
    if row is None:
        raise NotFound("attachment", attachment_id)
    path = blob_path(config.attachments_dir, row["sha256"])
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except (FileNotFoundError, NotADirectoryError):
        log.error("attachment file missing", attachment_id=str(attachment_id), ticket_id=str(ticket_id),
                  sha256=row["sha256"], path=str(path))
        raise FileNotStored(attachment_id, "the attachment's file is not stored on this server (its record is); "
                                           "the operator must restore the attachments directory") from None
    if hashlib.sha256(content).hexdigest() != row["sha256"]:  # the store was changed behind Colo's back
        log.error("attachment file altered", attachment_id=str(attachment_id), ticket_id=str(ticket_id),
                  sha256=row["sha256"], path=str(path))
        raise FileNotStored(attachment_id, "the attachment's file on this server does not match its sha256; "
                                           "the operator must restore it")
    return Download(attachment=AttachmentRead.of(row), content=content)
