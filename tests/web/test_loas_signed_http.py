"""The LOA page's upload of a PDF signed with a certificate (no browser): where the facility has a
trust list, the Z side's administrator downloads the LOA to sign, a refused signature is told next
to the file input in words, and a valid one grants it and serves the countersigned PDF. A real
PKI on loopback (tests/pki.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from colo.identity import Role
from dcim.orders.countersign import parse_pem, self_signed_pem
from dcim.orders.signed_grant import LoaPki
from tests.integration.orders.plant import OrdersPlant, orders_plant
from tests.pki import LoopbackPki
from tests.web.test_orders_http import _signed_in

__all__ = ["orders_plant"]
Run = Callable[..., Awaitable[Any]]
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPki]:
    with LoopbackPki.serve(tmp_path_factory.mktemp("portal-pki")) as served:
        yield served


@pytest.fixture
def with_pki(app: Litestar, pki: LoopbackPki) -> Iterator[None]:
    services = app.state.services
    previous = services.loa_pki
    services.loa_pki = LoaPki(trust=pki.trust(), revocation="hard-fail",
                              signer=parse_pem(self_signed_pem("Portal Test DC")))
    yield
    services.loa_pki = previous


@pytest.mark.usefixtures("with_pki")
async def test_the_z_side_uploads_a_signed_pdf(portal: AsyncTestClient, app: Litestar, run_in_app: Run,
                                               make_key: Callable[..., Awaitable[Any]], orders_plant: OrdersPlant,
                                               pki: LoopbackPki) -> None:
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["a"].id)).headers
    z = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)).headers
    body = {"spec": {"kind": "cross_connect", "a_port_id": orders_plant.ports["a"][2],
                     "z_port_id": orders_plant.ports["z"][2], "media": "copper", "speed": "1G"}}
    created = await portal.post("/v1/orders", json=body, headers=a)
    assert created.status_code == 201, created.text
    loa_id = (await portal.get(f"/v1/orders/{created.json()['id']}/loa", headers=a)).json()["id"]
    people = (await portal.get("/v1/people", params={"limit": 200}, headers=z)).json()["items"]
    if not any(p["signing_identity"] == "serialNumber:PNOAZ-1111111" for p in people):
        added = await portal.post("/v1/people", headers=z, json={
            "name": "Alice Aliyeva", "email": "alice@z.example", "signing_identity": "serialNumber:PNOAZ-1111111"})
        assert added.status_code == 201, added.text

    await _signed_in(portal, app, run_in_app, orders_plant.tenants["z"].id)
    page = await portal.get(f"/loas/{loa_id}")
    assert page.status_code == 200 and "Grant with your certificate" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    to_sign = await portal.get(f"/loas/{loa_id}/pdf")
    assert to_sign.status_code == 200 and "to-sign" in to_sign.headers["content-disposition"]

    def upload(pdf: bytes) -> Any:
        return portal.post(f"/loas/{loa_id}/grant-signed", data={"csrf_token": token.group(1), "valid_days": "90"},
                           files={"file": ("loa.pdf", pdf, "application/pdf")}, follow_redirects=False)

    revoked = await upload(pki.sign(to_sign.content, "bob"))
    assert revoked.status_code == 422 and "Your certificate has been revoked." in revoked.text
    granted = await upload(pki.sign(to_sign.content, "alice"))
    assert granted.status_code == 303, granted.text
    assert (await portal.get(f"/v1/loas/{loa_id}", headers=a)).json()["status"] == "loa_granted"
    signed = await portal.get(f"/loas/{loa_id}/pdf")
    assert signed.status_code == 200 and "signed.pdf" in signed.headers["content-disposition"]
    assert signed.content.count(b"/Type /Sig") + signed.content.count(b"/Type/Sig") >= 2
