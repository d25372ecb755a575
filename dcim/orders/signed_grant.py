"""Granting an LOA-CFA with a certificate (PAdES), where the deployment has a national PKI.

The Z side downloads the LOA as a PDF to sign (`pdf_for` while the LOA waits): it attaches the
request — the LOA, the parties and ports, and the Z side's authorised signers at that moment,
each as the SHA-256 of their signing identity (so the A side, who receives the file, learns no
national id numbers). A person of the Z side signs it with their own certificate and uploads it
(`grant_signed`); Colo checks the signature (dcim.orders.pades), that the PDF is this LOA's
request, and that the signer is one of the Z side's people with a signing identity
(tenants.people; setting one on a person is what gives them the right to grant), then
countersigns it with the facility's X.509 key (dcim.orders.countersign) and grants the LOA as
a click would, recording the signer. The Ed25519 JSON document is still issued, as before, so
every existing verifier keeps working; the countersigned PDF is stored beside it and served by
`pdf_for` to both parties. `colo loa verify FILE.pdf` checks that file offline.

Without a trust list (COLO_LOA_TRUST_LIST) none of this is on: `grant_signed` is a Conflict and
LOAs are granted by the click alone.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from colo.errors import Conflict, ValidationFailed
from colo.identity import Principal
from colo.secretstore import Keys
from colo.settings import Settings, SettingsError
from dcim.orders import loas, store
from dcim.orders.countersign import FacilitySigner, countersign, facility_signer
from dcim.orders.loa import format_time, render_text
from dcim.orders.loa_pdf import loa_pdf, request_pdf
from dcim.orders.pades import (
    REVOCATION_POLICIES,
    Refusal,
    SignatureRefused,
    Signer,
    TrustList,
    check_grant,
    load_trust_list,
)
from dcim.orders.schemas import LoaRead
from dcim.orders.states import LoaStatus
from dcim.orders.tables import LoaSignedPdf
from tenants.people import signing_identities

REQUEST_FORMAT = "colo-loa-request/1"
MAX_SIGNED_PDF_BYTES = 4 * 1024 * 1024  # a one-page LOA with a signature and its chain is far smaller
UPLOAD_FIELD = "file"


@dataclass(frozen=True, slots=True)
class LoaPki:
    """What a deployment with a national PKI signs LOAs with: whom it trusts and how."""

    trust: TrustList
    revocation: str  # "hard-fail" or "soft-fail"
    signer: FacilitySigner
    tsa_url: str = ""  # the countersignature's timestamp authority (RFC 3161); "" = none


def load_pki(settings: Settings) -> LoaPki | None:
    """The deployment's LOA PKI, or None when COLO_LOA_TRUST_LIST is empty (no signed grants)."""
    if not settings.loa_trust_list:
        return None
    try:
        trust = load_trust_list(Path(settings.loa_trust_list))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"COLO_LOA_TRUST_LIST is invalid: {exc}") from None
    assert settings.loa_revocation_policy in REVOCATION_POLICIES
    return LoaPki(trust=trust, revocation=settings.loa_revocation_policy, signer=facility_signer(settings),
                  tsa_url=settings.loa_tsa_url)


def identity_digest(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LoaPdf:
    content: bytes
    filename: str
    signed: bool  # the countersigned PDF of a grant by certificate


async def pdf_for(*, principal: Principal, loa_id: UUID, facility: str) -> LoaPdf:
    """The LOA as a PDF: the countersigned file once granted by certificate, the printable copy
    once granted by a click, and — while it waits — the request the Z side signs (the Z side and
    staff only: it names the Z side's signers). Either party or staff; another tenant: NotFound."""
    row = await loas.load_for(principal=principal, loa_id=loa_id)
    if row["status"] == LoaStatus.GRANTED:
        stored = await LoaSignedPdf.select(LoaSignedPdf.pdf).where(LoaSignedPdf.id == loa_id).first()
        if stored is not None:
            return LoaPdf(bytes(stored["pdf"]), f"loa-{loa_id}-signed.pdf", signed=True)
        signed = loas.to_read(row).signed
        assert signed is not None
        content = await asyncio.to_thread(lambda: loa_pdf(text=render_text(signed), signed=signed,
                                                          loa_id=str(loa_id)))
        return LoaPdf(content, f"loa-{loa_id}.pdf", signed=False)
    if row["status"] == LoaStatus.REFUSED or not (principal.is_facility or principal.tenant_id == row["z_tenant_id"]):
        raise Conflict(f"the LOA is {row['status']}: there is no document for you yet", loa_status=row["status"])
    request = await _request(principal=principal, row=row, facility=facility)
    content = await asyncio.to_thread(lambda: request_pdf(text=render_request_text(request), request=request,
                                                          loa_id=str(loa_id)))
    return LoaPdf(content, f"loa-{loa_id}-to-sign.pdf", signed=False)


async def _request(*, principal: Principal, row: dict[str, Any], facility: str) -> dict[str, Any]:
    terms = await loas.terms(principal=principal, loa_id=row["id"])
    people = await signing_identities(tenant_id=row["z_tenant_id"]) if row["z_tenant_id"] else []
    return {
        "format": REQUEST_FORMAT, "loa_id": str(row["id"]), "order_id": str(terms.order_id), "facility": facility,
        "prepared_at": format_time(store.now()),
        "a_side": {"party": terms.a_party, "port": {"id": terms.a_port.id, "device": terms.a_port.device,
                                                    "name": terms.a_port.name}},
        "z_side": {"party": terms.z_party, "port": {"id": terms.z_port.id, "device": terms.z_port.device,
                                                    "name": terms.z_port.name}},
        "media": terms.media, "speed": terms.speed,
        "authorised_signers": [{"name": name, "identity_sha256": identity_digest(identity)}
                               for name, identity in people],
    }


def render_request_text(request: dict[str, Any]) -> str:
    a, z = request["a_side"], request["z_side"]
    signers = [f"  - {s['name']}" for s in request["authorised_signers"]] or ["  (none recorded)"]
    return "\n".join([
        "LETTER OF AUTHORIZATION AND CONNECTING FACILITY ASSIGNMENT (LOA-CFA) — TO SIGN", "",
        f"Facility:      {request['facility']}",
        f"LOA:           {request['loa_id']}",
        f"Order:         {request['order_id']}",
        f"Prepared:      {request['prepared_at']}",
        f"Media/speed:   {request['media']} / {request['speed']}", "",
        "A side (requesting party)", f"  Party:   {a['party']}", f"  Device:  {a['port']['device']}",
        f"  Port:    {a['port']['name']} (NetBox front port {a['port']['id']})", "",
        "Z side (authorizing party)", f"  Party:   {z['party']}", f"  Device:  {z['port']['device']}",
        f"  Port:    {z['port']['name']} (NetBox front port {z['port']['id']})", "",
        "The Z-side party authorizes the facility to connect the A-side party to the port above.", "",
        "Signers authorised by the Z side:", *signers, "",
        "Sign this PDF with your qualified certificate (PAdES) and upload it to the facility's portal",
        "or POST /v1/loas/<LOA>/grant-signed. The facility countersigns it; verify the result offline",
        "with `colo loa verify <file>.pdf --trust <the national CA roots>`.",
    ]) + "\n"


def _refused(exc: SignatureRefused) -> ValidationFailed:
    return ValidationFailed(UPLOAD_FIELD, exc.reason, refusal=exc.refusal.value)


def _refuse(refusal: Refusal, reason: str) -> ValidationFailed:
    return _refused(SignatureRefused(refusal, reason))


def _same_request(request: dict[str, Any], row: dict[str, Any], order: store.OrderRow) -> bool:
    spec = order.spec
    try:
        return (request.get("format") == REQUEST_FORMAT and request.get("loa_id") == str(row["id"])
                and request.get("order_id") == str(order.id)
                and int(request["a_side"]["port"]["id"]) == int(spec["a_port"]["id"])
                and int(request["z_side"]["port"]["id"]) == int(spec["z_port"]["id"]))
    except (KeyError, TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class SignedGrant:
    loa: LoaRead
    signer: Signer


async def grant_signed(*, principal: Principal, loa_id: UUID, pdf: bytes, valid_days: int, keys: Keys,
                       facility: str, pki: LoaPki | None, moment: datetime | None = None) -> SignedGrant:
    """Grant the LOA with the uploaded PDF signed by a Z-side person's certificate. Each refusal
    is a ValidationFailed naming `file`, with `refusal` one of dcim.orders.pades.Refusal."""
    row = await loas.load_for(principal=principal, loa_id=loa_id)
    loas.may_decide(principal, row)
    if pki is None:
        raise Conflict("this facility does not take signed LOAs (no trust list is configured): grant it with "
                       "POST /v1/loas/{loa_id}/grant")
    if row["status"] not in (LoaStatus.PENDING, LoaStatus.EXPIRED):
        raise Conflict(f"the LOA is already {row['status']}", loa_status=row["status"])
    if row["z_tenant_id"] is None:
        raise Conflict("a carrier without a Colo account has no recorded signers: grant it with "
                       "POST /v1/loas/{loa_id}/grant")
    if len(pdf) > MAX_SIGNED_PDF_BYTES:
        raise ValidationFailed(UPLOAD_FIELD, f"the PDF is larger than {MAX_SIGNED_PDF_BYTES} bytes")
    order = await store.load(row["order_id"])
    try:
        checked = await asyncio.to_thread(check_grant, pdf, trust=pki.trust, revocation=pki.revocation,
                                          moment=moment)
    except SignatureRefused as exc:
        raise _refused(exc) from None
    if not _same_request(checked.request, row, order):
        raise _refuse(Refusal.WRONG_DOCUMENT, "the signed PDF is not this LOA's request (download it from this "
                                              "LOA's page and sign that)")
    signer = checked.signer
    mine = signer.identities()
    person = next((name for name, identity in await signing_identities(tenant_id=row["z_tenant_id"])
                   if identity in mine), None)
    if person is None:
        raise _refuse(Refusal.NOT_AUTHORISED, f"{signer.subject} is not recorded as a signer of the Z side's "
                                              "company (a company administrator sets a person's signing identity)")
    listed = {str(s.get("identity_sha256")) for s in checked.request.get("authorised_signers", [])
              if isinstance(s, dict)}
    if not {identity_digest(i) for i in mine} & listed:
        raise _refuse(Refusal.NOT_AUTHORISED, f"{signer.subject} became a signer after this PDF was prepared: "
                                              "download the PDF again and sign that")
    countersigned = await asyncio.to_thread(lambda: countersign(pdf, pki.signer, tsa_url=pki.tsa_url))
    read = await loas.grant(principal=principal, loa_id=loa_id, valid_days=valid_days, keys=keys, facility=facility,
                            signed_pdf=loas.SignedPdf(pdf=countersigned, signer=person, subject=signer.subject,
                                                      fingerprint=signer.fingerprint, signed_at=signer.signed_at))
    return SignedGrant(loa=read, signer=signer)
