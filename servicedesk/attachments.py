"""Attachments of a ticket: photos and PDFs, checked by their content, stored by their hash.

The type is read from the bytes (the `filetype` library's signatures), never from the name or
the declared content type: only JPEG, PNG, WebP and PDF are kept, and a name whose extension
says otherwise (a PNG called .pdf, a program called .jpg) is refused. The bytes are stored once
under COLO_ATTACHMENTS_DIR as `<sha256[:2]>/<sha256>` (the same file on two tickets is one copy);
the hash is in the ticket's history. Downloads go through the ticket's tenant scope: another
tenant's attachment answers "not found", like a missing one.
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

from colo.errors import NotFound, ValidationFailed
from colo.identity import Principal
from colo.text import name_refusal
from servicedesk.config import ServiceDeskConfig
from servicedesk.schemas import AttachmentRead
from servicedesk.service import load_ticket, now_utc
from servicedesk.status import EventKind
from servicedesk.tables import Attachment, Ticket, TicketEvent
from tenants.scope import scoped

# media type → the extensions a file of that type may be named with
ALLOWED: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg"), "image/png": ("png",), "image/webp": ("webp",), "application/pdf": ("pdf",),
}
FIELD = "file"


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


def _store(root: Path, sha256: str, content: bytes) -> None:
    path = blob_path(root, sha256)
    if path.exists():
        return
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
    await asyncio.to_thread(_store, config.attachments_dir, sha256, content)
    row = Attachment(id=uuid4(), ticket_id=ticket_id, tenant_id=ticket["tenant_id"], sha256=sha256,
                     size=len(content), media_type=media_type, filename=name, uploaded_by=principal.key_id,
                     created_at=moment)
    async with Ticket._meta.db.transaction():
        await Attachment.insert(row)
        await TicketEvent.insert(TicketEvent(
            id=uuid4(), ticket_id=ticket_id, tenant_id=ticket["tenant_id"], at=moment, actor=principal.key_id,
            actor_role=principal.role.value, kind=EventKind.ATTACHMENT.value, text=name, sha256=sha256))
        await Ticket.update({Ticket.updated_at: moment}).where(Ticket.id == ticket_id)
    stored = await Attachment.select().where(Attachment.id == row.id).first()
    assert stored is not None
    return AttachmentRead.of(stored)


async def download(*, principal: Principal, ticket_id: UUID, attachment_id: UUID,
                   config: ServiceDeskConfig) -> Download:
    query = Attachment.select().where((Attachment.id == attachment_id) & (Attachment.ticket_id == ticket_id))
    row = await scoped(query, principal=principal, column=Attachment.tenant_id).first()
    if row is None:
        raise NotFound("attachment", attachment_id)
    content = await asyncio.to_thread(blob_path(config.attachments_dir, row["sha256"]).read_bytes)
    if hashlib.sha256(content).hexdigest() != row["sha256"]:  # the store was changed behind Colo's back
        raise NotFound("attachment", attachment_id)
    return Download(attachment=AttachmentRead.of(row), content=content)
