"""LOA-CFA workflow: the Z-side owner grants (Colo signs) or refuses; both sides may read it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from colo.errors import Conflict, NotFound, PermissionDenied
from colo.identity import Principal, Role
from colo.outbox import EventType, LoaChanged, record_event
from colo.paging import Keyset, PageRequest, PageResult, select_page
from colo.secretstore import Keys
from dcim.orders import store
from dcim.orders.loa import format_time, sign
from dcim.orders.schemas import LoaPort, LoaRead, LoaTerms
from dcim.orders.states import LoaStatus
from dcim.orders.tables import Loa, LoaSignedPdf, Order
from tenants.tables import Tenant

OPEN_ORDER_STATES = ("submitted", "in_review", "action_required")


def to_read(row: dict[str, Any]) -> LoaRead:
    """The one LoaRead converter, from an orders_loa row."""
    return LoaRead(
        id=row["id"], order_id=row["order_id"], status=row["status"], a_tenant_id=row["a_tenant_id"],
        z_tenant_id=row["z_tenant_id"], issued_at=row["issued_at"], expires_at=row["expires_at"],
        decided_by=row["decided_by"], reason=row["reason"],
        signed=json.loads(row["document"]) if row["document"] else None,
    )


async def get_loa(*, principal: Principal, loa_id: UUID) -> LoaRead:
    """One LOA, with the signed document once granted."""
    return to_read(await _load_for(principal=principal, loa_id=loa_id))


async def load_for(*, principal: Principal, loa_id: UUID) -> dict[str, Any]:
    """The LOA row, if the caller is either party or staff (else NotFound, as for a missing one)."""
    return await _load_for(principal=principal, loa_id=loa_id)


async def _load_for(*, principal: Principal, loa_id: UUID) -> dict[str, Any]:
    """Both parties and staff see an LOA; anyone else gets the same NotFound as for a missing one."""
    query = Loa.select().where(Loa.id == loa_id)
    if not principal.is_facility:
        if principal.tenant_id is None:
            raise PermissionDenied("this key is not bound to a tenant")
        query = query.where((Loa.a_tenant_id == principal.tenant_id) | (Loa.z_tenant_id == principal.tenant_id))
    row = await query.first()
    if row is None:
        raise NotFound("loa", loa_id)
    return row


async def for_order(*, principal: Principal, order_id: UUID) -> LoaRead:
    row = await Loa.select(Loa.id).where(Loa.order_id == order_id).order_by(Loa.created_at, ascending=False).first()
    if row is None:
        raise NotFound("loa", order_id)
    return await get_loa(principal=principal, loa_id=row["id"])


async def terms(*, principal: Principal, loa_id: UUID) -> LoaTerms:
    """The cross-connect an LOA authorises, for either party (or staff): the Z side reads what it
    is asked to grant without seeing the A side's order itself."""
    row = await _load_for(principal=principal, loa_id=loa_id)
    order = await store.load(row["order_id"])
    spec = order.spec
    names = await _legal_names(row)
    return LoaTerms(
        loa_id=row["id"], order_id=order.id, order_state=order.state,
        a_party=names.get(row["a_tenant_id"], str(row["a_tenant_id"])),
        z_party=names.get(row["z_tenant_id"], f"NetBox tenant {row['z_netbox_tenant_id']}"),
        a_port=LoaPort(**_port(spec.get("a_port") or {"id": spec.get("a_port_id", 0)})),
        z_port=LoaPort(**_port(spec.get("z_port") or {"id": spec.get("z_port_id", 0)})),
        media=str(spec.get("media", "")), speed=str(spec.get("speed", "")), requested_by=order.created_by,
        requested_at=order.created_at,
    )


LOA_KEYS = Keyset("loas", (datetime, UUID), descending=True)  # newest first


async def list_for(*, principal: Principal, status: str | None, page: PageRequest) -> PageResult[LoaRead]:
    """LOAs where the caller's tenant is the A or the Z side (staff: every LOA)."""
    query = Loa.select()
    if not principal.is_facility:
        query = query.where((Loa.a_tenant_id == principal.tenant_id) | (Loa.z_tenant_id == principal.tenant_id))
    if status:
        query = query.where(Loa.status == status)
    rows = await select_page(query, columns=(Loa.created_at, Loa.id), keyset=LOA_KEYS, page=page)
    return rows.map(to_read)


def may_decide(principal: Principal, row: dict[str, Any]) -> None:
    """Only the Z-side owner decides; ops decide for a carrier that has no Colo account."""
    if row["z_tenant_id"] is None:
        if principal.role is not Role.OPS:
            raise PermissionDenied("ops decide LOAs for carriers without a Colo account")
        return
    if principal.role is not Role.TENANT_ADMIN or principal.tenant_id != row["z_tenant_id"]:
        raise PermissionDenied("only the Z-side owner's tenant admin may decide this LOA")


async def _open_order(row: dict[str, Any]) -> store.OrderRow:
    order = await store.load(row["order_id"])
    if order.state not in OPEN_ORDER_STATES:
        raise Conflict(f"the cross-connect order is {order.state}: its LOA can no longer change",
                       state=order.state)
    return order


@dataclass(frozen=True, slots=True)
class SignedPdf:
    """A grant by certificate (dcim.orders.signed_grant): the countersigned PDF and its signer."""

    pdf: bytes
    signer: str  # the granter's name from their certificate
    subject: str
    fingerprint: str  # SHA-256 of the granter's certificate, hex
    signed_at: datetime


async def grant(*, principal: Principal, loa_id: UUID, valid_days: int, keys: Keys, facility: str,
                signed_pdf: SignedPdf | None = None) -> LoaRead:
    """Grant and sign the LOA (Ed25519 JSON); with `signed_pdf`, the grant is the certificate
    holder's and the countersigned PDF is stored beside it in the same transaction."""
    row = await _load_for(principal=principal, loa_id=loa_id)
    may_decide(principal, row)
    if row["status"] not in (LoaStatus.PENDING, LoaStatus.EXPIRED):
        raise Conflict(f"the LOA is already {row['status']}", loa_status=row["status"])
    order = await _open_order(row)
    spec = order.spec
    names = await _legal_names(row)
    issued = store.now().replace(microsecond=0)
    expires = issued + timedelta(days=valid_days)
    document = {
        "loa_id": str(row["id"]), "order_id": str(order.id), "facility": facility,
        "issued_at": format_time(issued), "expires_at": format_time(expires),
        "a_side": {"party": names.get(row["a_tenant_id"], str(row["a_tenant_id"])),
                   "tenant_id": str(row["a_tenant_id"]), "port": _port(spec["a_port"])},
        "z_side": {"party": names.get(row["z_tenant_id"], f"NetBox tenant {row['z_netbox_tenant_id']}"),
                   "tenant_id": str(row["z_tenant_id"]) if row["z_tenant_id"] else None,
                   "port": _port(spec["z_port"])},
        "media": spec["media"], "speed": spec["speed"], "granted_by": principal.name or principal.key_id,
    }
    if signed_pdf is not None:
        document["granted_by"] = signed_pdf.signer
        document["granter_certificate_sha256"] = signed_pdf.fingerprint
    signed = sign(document, keys.current_signing_key)
    async with Loa._meta.db.transaction():
        if signed_pdf is not None:
            await LoaSignedPdf.delete().where(LoaSignedPdf.id == loa_id)
            await LoaSignedPdf.insert(LoaSignedPdf(
                id=loa_id, pdf=signed_pdf.pdf, signer_subject=signed_pdf.subject[:500],
                signer_fingerprint=signed_pdf.fingerprint, signed_at=signed_pdf.signed_at))
        await Loa.update({
            Loa.status: LoaStatus.GRANTED.value, Loa.document: json.dumps(signed, sort_keys=True),
            Loa.signature: signed["signature"], Loa.key_id: signed["key_id"], Loa.issued_at: issued,
            Loa.expires_at: expires, Loa.decided_by: document["granted_by"][:100], Loa.reason: "",
        }).where(Loa.id == loa_id)
        await Order.update({Order.loa_status: LoaStatus.GRANTED.value, Order.updated_at: store.now()}).where(
            Order.id == order.id)
        await record_event(type=EventType.LOA_GRANTED, tenant_id=row["a_tenant_id"], payload=LoaChanged(
            loa_id=loa_id, order_id=order.id, status=LoaStatus.GRANTED.value))
    return await get_loa(principal=principal, loa_id=loa_id)


async def refuse(*, principal: Principal, loa_id: UUID, reason: str) -> LoaRead:
    row = await _load_for(principal=principal, loa_id=loa_id)
    may_decide(principal, row)
    if row["status"] != LoaStatus.PENDING:
        raise Conflict(f"the LOA is already {row['status']}", loa_status=row["status"])
    order = await _open_order(row)
    async with Loa._meta.db.transaction():
        await Loa.update({Loa.status: LoaStatus.REFUSED.value, Loa.reason: reason[:1000],
                          Loa.decided_by: (principal.name or principal.key_id)[:100]}).where(Loa.id == loa_id)
        await Order.update({Order.loa_status: LoaStatus.REFUSED.value, Order.updated_at: store.now()}).where(
            Order.id == order.id)
        await record_event(type=EventType.LOA_REFUSED, tenant_id=row["a_tenant_id"], payload=LoaChanged(
            loa_id=loa_id, order_id=order.id, status=LoaStatus.REFUSED.value))
    return await get_loa(principal=principal, loa_id=loa_id)


async def _legal_names(row: dict[str, Any]) -> dict[UUID, str]:
    """Tenant id → legal name, for the LOA's A and Z sides that are Colo tenants."""
    ids = [i for i in (row["a_tenant_id"], row["z_tenant_id"]) if i]
    return {r["id"]: r["legal_name"] for r in await Tenant.select(Tenant.id, Tenant.legal_name).where(
        Tenant.id.is_in(ids))}


def _port(port: dict[str, Any]) -> dict[str, Any]:
    return {"id": port["id"], "device": port.get("device", ""), "name": port.get("name", "")}
