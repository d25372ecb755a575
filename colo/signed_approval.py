"""Approvals signed with the approver's own X.509 certificate (PAdES): security's approval of a
visit, ops' approval of a decommission — where the deployment asks for it (COLO_SIGNED_APPROVALS).

The approver downloads a PDF of what they approve (`approval_pdf`: the facts as text, and the same
facts attached as JSON), signs it with their certificate and uploads it. `check_signed` validates it
exactly like a signed LOA grant (colo.pades: whole file covered, path to COLO_LOA_TRUST_LIST, key
usage, validity, revocation under COLO_LOA_REVOCATION_POLICY), then checks that the document is
this approval of this object with the facts as they stand now, and that the signer is the approver
— the certificate answers to the signing identity recorded on the approver's staff API key, and the
PDF was prepared for that identity. Each refusal is a ValidationFailed naming `file` with a
`refusal` code (colo.pades.Refusal). The domains (siteaccess, dcim.orders) build the facts and
record the signer's certificate fingerprint; this module knows neither.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from colo.errors import ValidationFailed
from colo.pades import Refusal, SignatureRefused, Signer, TrustList, check_single, read_attachment
from colo.pdf_text import text_pdf
from colo.settings import Settings

APPROVAL_FORMAT = "colo-approval/1"
ATTACHMENT = "colo-approval.json"
MAX_SIGNED_APPROVAL_BYTES = 4 * 1024 * 1024  # a one-page approval with a signature and its chain is far smaller
UPLOAD_FIELD = "file"
VISITS, DECOMMISSIONS = "visits", "decommissions"
TITLES = {VISITS: "SITE VISIT APPROVAL", DECOMMISSIONS: "DECOMMISSION APPROVAL"}


@dataclass(frozen=True, slots=True)
class ApprovalPki:
    """Whom approvers' certificates must chain to, and what to do when no responder answers."""

    trust: TrustList
    revocation: str  # "hard-fail" or "soft-fail"


def required(settings: Settings, kind: str) -> bool:
    """Whether this deployment requires `kind` ("visits" or "decommissions") approvals to be signed."""
    return kind in settings.signed_approvals


def identity_digest(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


Facts = Sequence[tuple[str, str]]


def document(*, kind: str, subject_id: str, facility: str, approver: str, identity: str, facts: Facts,
             now: datetime | None = None) -> dict[str, Any]:
    """What the approver signs: the kind, the object's id, the facts approved and for whom it was prepared."""
    return {
        "format": APPROVAL_FORMAT, "kind": kind, "id": subject_id, "facility": facility,
        "prepared_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "approver": {"name": approver, "identity_sha256": identity_digest(identity)},
        "facts": [[label, value] for label, value in facts],
    }


def render_text(doc: dict[str, Any]) -> str:
    width = max([len(label) for label, _ in doc["facts"]] + [10]) + 2
    return "\n".join([
        f"{TITLES.get(doc['kind'], 'APPROVAL')} — TO SIGN", "",
        f"{'Facility:':<{width}}{doc['facility']}",
        f"{'Prepared:':<{width}}{doc['prepared_at']}",
        f"{'Approver:':<{width}}{doc['approver']['name']}", "",
        *(f"{label + ':':<{width}}{value}" for label, value in doc["facts"]), "",
        "Sign this PDF with your qualified certificate (PAdES) and upload it to approve. Only the",
        "approver it was prepared for may sign it; the facility records your certificate's fingerprint.",
    ]) + "\n"


async def approval_pdf(doc: dict[str, Any]) -> bytes:
    """The PDF to sign (rendered off the event loop)."""
    title = f"{TITLES.get(doc['kind'], 'Approval').title()} {doc['id']} (to sign)"
    return await asyncio.to_thread(lambda: text_pdf(
        title=title, subject="An approval signed by the approver", text=render_text(doc), attachment=doc,
        attachment_name=ATTACHMENT, attachment_description="What this PDF's signature approves"))


def _refuse(refusal: Refusal, reason: str) -> ValidationFailed:
    return ValidationFailed(UPLOAD_FIELD, reason, refusal=refusal.value)


async def check_signed(*, pdf: bytes, kind: str, subject_id: str, facts: Facts, identity: str,
                       pki: ApprovalPki, moment: datetime | None = None) -> Signer:
    """The signer of an uploaded, signed approval of `kind` `subject_id` whose facts are `facts`
    now, signed by the certificate of `identity` (the approver's recorded signing identity)."""
    if not identity:
        raise _refuse(Refusal.NOT_AUTHORISED, "no signing identity is recorded for your API key: ops create a "
                                              "staff key with signing_identity to approve with a certificate")
    if not pdf:
        raise ValidationFailed(UPLOAD_FIELD, "the file is empty: send the signed PDF")
    if len(pdf) > MAX_SIGNED_APPROVAL_BYTES:
        raise ValidationFailed(UPLOAD_FIELD, f"the PDF is larger than {MAX_SIGNED_APPROVAL_BYTES} bytes")
    try:
        signer, reader = await asyncio.to_thread(check_single, pdf, trust=pki.trust, revocation=pki.revocation,
                                                 moment=moment)
    except SignatureRefused as exc:
        raise _refuse(exc.refusal, exc.reason) from None
    doc = read_attachment(reader, ATTACHMENT)
    if doc is None or doc.get("format") != APPROVAL_FORMAT or doc.get("kind") != kind or doc.get("id") != subject_id:
        raise _refuse(Refusal.WRONG_DOCUMENT, "the signed PDF is not this approval (download it from this "
                                              "approval's PDF route and sign that)")
    if doc.get("facts") != [[label, value] for label, value in facts]:
        raise _refuse(Refusal.WRONG_DOCUMENT, "what the PDF approves has changed since it was prepared: "
                                              "download it again and sign that")
    if identity not in signer.identities():
        raise _refuse(Refusal.NOT_AUTHORISED, f"{signer.subject} is not the approver: the signature must be made "
                                              "with the certificate recorded for your API key")
    approver = doc.get("approver")
    if not isinstance(approver, dict) or approver.get("identity_sha256") != identity_digest(identity):
        raise _refuse(Refusal.NOT_AUTHORISED, "this PDF was prepared for another approver: download it "
                                              "yourself and sign that")
    return signer
