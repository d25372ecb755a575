"""Approvals signed with the approver's certificate (COLO_SIGNED_APPROVALS, issue 19) against the
real PKI on loopback (tests/pki.py: certomancer, OCSP and CRLs over HTTP): security approves a visit
and ops a decommission by signing the approval PDF; the signer's certificate fingerprint is on the
row and in the access log; a signature by anyone but the approver, an unsigned approval and an
unsigned PDF are refused; with the setting off the click approvals work as before. Staff keys get
their signing identity through the keys API, with bad input refused like the people field.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from colo.pades import fingerprint
from dcim.orders.countersign import FacilitySigner, parse_pem, self_signed_pem
from dcim.orders.signed_grant import LoaPki
from dcim.orders.worker import due_orders
from tenants.schemas import TenantRead
from tests.api.test_visits_api import visit_body
from tests.conftest import IssuedTestKey
from tests.integration.orders.plant import OrdersPlant
from tests.pki import LoopbackPki

MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
ALICE = "serialNumber:PNOAZ-1111111"
ERIN = "serialNumber:PNOAZ-5555555"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPki]:
    with LoopbackPki.serve(tmp_path_factory.mktemp("approval-pki-keys")) as served:
        yield served


@pytest.fixture(scope="module")
def facility() -> FacilitySigner:
    return parse_pem(self_signed_pem("Colo Test DC"))


@pytest.fixture
def signed_approvals(app: Litestar, pki: LoopbackPki, facility: FacilitySigner) -> Iterator[Callable[[bool], None]]:
    """`signed_approvals(True)`: the deployment has the test PKI's trust list and requires signed
    visit and decommission approvals; `False`: the same trust list, approvals by a click."""
    services = app.state.services
    settings, previous_pki = services.settings, services.loa_pki
    services.loa_pki = LoaPki(trust=pki.trust(), revocation="hard-fail", signer=facility)

    def switch(on: bool) -> None:
        services.settings = dataclasses.replace(settings, signed_approvals=("decommissions", "visits") if on else ())

    yield switch
    services.settings, services.loa_pki = settings, previous_pki


async def _upload(client: AsyncTestClient, path: str, key: IssuedTestKey, pdf: bytes) -> Any:
    return await client.post(path, headers=key.headers, files={"file": ("signed.pdf", pdf, "application/pdf")})


async def _pdf(client: AsyncTestClient, path: str, key: IssuedTestKey) -> bytes:
    response = await client.get(path, headers=key.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


async def _signed_entries(client: AsyncTestClient, make_key: MakeKey, object_id: str, *,
                          kind: str) -> list[dict[str, Any]]:
    """The access-log entries about `object_id` of `kind` that carry a signer's fingerprint."""
    reader = (await make_key(Role.SECURITY)).headers
    found: list[dict[str, Any]] = []
    for _ in range(50):  # the access log is written in batches
        response = await client.get("/v1/access-log/entries", params={"object": object_id, "kind": kind,
                                                                       "limit": 50}, headers=reader)
        assert response.status_code == 200, response.text
        found = [e for e in response.json()["items"] if e["objects"].get("signer_certificate_sha256")]
        if found:
            break
        await asyncio.sleep(0.1)
    return found


def _refusal(response: Any) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "file", problem
    return str(problem["refusal"])


async def test_visit_approved_with_the_officers_signature(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: MakeTenant, pki: LoopbackPki,
    signed_approvals: Callable[[bool], None],
) -> None:
    signed_approvals(True)
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    alice = await make_key(Role.SECURITY, name="officer alice", signing_identity=ALICE)
    erin = await make_key(Role.SECURITY, name="officer erin", signing_identity=ERIN)
    plain = await make_key(Role.SECURITY, name="officer without a certificate")
    created = await client.post("/v1/visits", json=visit_body(), headers=admin.headers)
    assert created.status_code == 201, created.text
    visit_id = created.json()["id"]
    approve, signed, pdf_path = (f"/v1/visits/{visit_id}/approve", f"/v1/visits/{visit_id}/approve-signed",
                                 f"/v1/visits/{visit_id}/approval-pdf")

    click = await client.post(approve, json={"reason": "looks fine"}, headers=alice.headers)
    assert click.status_code == 409 and "signed" in click.json()["detail"], click.text
    assert (await client.get(pdf_path, headers=plain.headers)).status_code == 409  # no signing identity
    assert (await client.get(pdf_path, headers=admin.headers)).status_code == 403
    to_sign = await _pdf(client, pdf_path, alice)

    assert _refusal(await _upload(client, signed, alice, to_sign)) == "not_signed"
    assert _refusal(await _upload(client, signed, alice, pki.sign(to_sign, "erin"))) == "signer_not_authorised"
    # Erin's own certificate on a PDF prepared for Alice: still not Erin's approval to make
    assert _refusal(await _upload(client, signed, erin, pki.sign(to_sign, "erin"))) == "signer_not_authorised"
    assert _refusal(await _upload(client, signed, alice, pki.sign(to_sign, "bob"))) == "certificate_revoked"
    assert _refusal(await _upload(client, signed, plain, pki.sign(to_sign, "alice"))) == "signer_not_authorised"
    assert (await client.get(f"/v1/visits/{visit_id}", headers=admin.headers)).json()["status"] == "pending"

    approved = await _upload(client, signed, alice, pki.sign(to_sign, "alice"))
    assert approved.status_code == 200, approved.text
    visit = approved.json()
    alice_sha = fingerprint(pki.cert("alice"))
    assert visit["status"] == "approved" and visit["approval_signer_sha256"] == alice_sha
    assert all(v["badge_status"] == "issued" for v in visit["visitors"])
    again = await _upload(client, signed, alice, pki.sign(to_sign, "alice"))
    assert again.status_code == 409  # decided already

    api_entries = await _signed_entries(client, make_key, visit_id, kind="api")
    assert [e["objects"]["signer_certificate_sha256"] for e in api_entries] == [alice_sha]
    assert api_entries[0]["action"] == "POST /v1/visits/{visit_id}/approve-signed"
    assert api_entries[0]["actor"]["key_id"] == alice.principal.key_id
    physical = await _signed_entries(client, make_key, visit_id, kind="physical")
    assert [(e["action"], e["objects"]["signer_certificate_sha256"]) for e in physical] == [
        ("visit.approved", alice_sha)]


async def test_decommission_approved_with_the_ops_signature(
    client: AsyncTestClient, make_key: MakeKey, orders_plant: OrdersPlant, pki: LoopbackPki,
    signed_approvals: Callable[[bool], None], run_in_app: Callable[..., Awaitable[Any]],
) -> None:
    signed_approvals(True)
    tenant = await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)
    ops = await make_key(Role.OPS, name="ops alice", signing_identity=ALICE)
    body = {"spec": {"kind": "space", "rack_id": orders_plant.racks["space"], "units": 1, "position": 40}}
    created = await client.post("/v1/orders", json=body, headers=tenant.headers)
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    for step in ("review", "approve", "fulfil"):
        moved = await client.post(f"/v1/orders/{oid}/{step}", headers=ops.headers)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "active"
    pdf_path = f"/v1/orders/{oid}/decommission-pdf"
    assert (await client.get(pdf_path, headers=ops.headers)).status_code == 409  # nothing requested yet
    asked = await client.post(f"/v1/orders/{oid}/request-decommission", json={"reason": "moving out"},
                              headers=tenant.headers)
    assert asked.status_code == 200 and asked.json()["state"] == "decommission_requested", asked.text
    # the fulfilment worker leaves it alone until it is approved with a signature (and takes it without the setting)
    assert uuid.UUID(oid) not in {due.id for due in await run_in_app(due_orders, 100_000, signed_decommissions=True)}
    assert uuid.UUID(oid) in {due.id for due in await run_in_app(due_orders, 100_000)}

    click = await client.post(f"/v1/orders/{oid}/decommission", headers=ops.headers)
    assert click.status_code == 409 and "signed" in click.json()["detail"], click.text
    to_sign = await _pdf(client, pdf_path, ops)
    signed = f"/v1/orders/{oid}/decommission-signed"
    assert _refusal(await _upload(client, signed, ops, pki.sign(to_sign, "erin"))) == "signer_not_authorised"
    assert _refusal(await _upload(client, signed, ops, pki.sign(to_sign, "carol"))) == "certificate_expired"
    done = await _upload(client, signed, ops, pki.sign(to_sign, "alice"))
    assert done.status_code == 200 and done.json()["state"] == "decommissioned", done.text
    assert done.json()["decommission_signer_sha256"] == fingerprint(pki.cert("alice"))
    entries = await _signed_entries(client, make_key, oid, kind="api")
    assert [e["objects"]["signer_certificate_sha256"] for e in entries] == [fingerprint(pki.cert("alice"))]


async def test_setting_off_approvals_by_a_click(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: MakeTenant,
    signed_approvals: Callable[[bool], None],
) -> None:
    signed_approvals(False)
    tenant = await make_tenant()
    admin = await make_key(Role.TENANT_ADMIN, tenant_id=tenant.id)
    officer = await make_key(Role.SECURITY, signing_identity=ALICE)
    created = await client.post("/v1/visits", json=visit_body(), headers=admin.headers)
    visit_id = created.json()["id"]
    click = await client.post(f"/v1/visits/{visit_id}/approve", json={"reason": "ID checked"}, headers=officer.headers)
    assert click.status_code == 200, click.text
    assert click.json()["status"] == "approved" and click.json()["approval_signer_sha256"] == ""


async def test_staff_key_signing_identity_bad_input(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: MakeTenant,
) -> None:
    ops = await make_key(Role.OPS)
    tenant_admin = await make_key(Role.TENANT_ADMIN, tenant_id=(await make_tenant()).id)
    made = await client.post("/v1/keys", json={"name": "officer", "role": "security",
                                               "signing_identity": "email:Officer@Colo.example"}, headers=ops.headers)
    assert made.status_code == 201 or made.status_code == 200, made.text
    assert made.json()["key"]["signing_identity"] == "email:officer@colo.example"
    for bad in ("passport:123", "serialNumber:", "email:not-an-address", "cn:\u202eevil"):
        refused = await client.post("/v1/keys", json={"name": "officer", "role": "security",
                                                      "signing_identity": bad}, headers=ops.headers)
        assert refused.status_code in (400, 422), (bad, refused.text)
        if refused.status_code == 422:
            assert refused.json()["field"] == "signing_identity", refused.text
    tenants_own = await client.post("/v1/keys", json={"name": "member", "role": "tenant_member",
                                                      "signing_identity": ALICE}, headers=tenant_admin.headers)
    assert tenants_own.status_code == 422 and tenants_own.json()["field"] == "signing_identity", tenants_own.text
