"""LOAs granted with a qualified signature (PAdES) against a real PKI on loopback (tests/pki.py):
a grant with a valid certificate (revocation checked over OCSP), each refusal as its own 422, a
responder that does not answer under both policies, the countersigned PDF verified offline by
`colo loa verify` with only the trust list and the facility's certificate, one changed byte found.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from colo.cli import main as colo_main
from colo.crypto import b64decode, ed25519_public_from_raw
from colo.identity import Role
from dcim.orders.countersign import FacilitySigner, countersign, parse_pem, self_signed_pem
from dcim.orders.loa import verify
from dcim.orders.loa_pdf import request_pdf
from dcim.orders.pades import Refusal, SignatureRefused, TrustList, fingerprint, verify_countersigned
from dcim.orders.signed_grant import LoaPki, identity_digest
from tests.integration.orders.plant import OrdersPlant
from tests.pki import LoopbackPki

MakeKey = Callable[..., Awaitable[Any]]
pytestmark = pytest.mark.usefixtures("fresh_rate_limits")
ALICE = "serialNumber:PNOAZ-1111111"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPki]:
    with LoopbackPki.serve(tmp_path_factory.mktemp("pki-keys")) as served:
        yield served


@pytest.fixture(scope="module")
def down_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPki]:
    """The same kind of hierarchy, its OCSP and CRL URLs on a loopback port nobody answers."""
    with LoopbackPki.serve(tmp_path_factory.mktemp("pki-down-keys"), unreachable=True) as served:
        yield served


@pytest.fixture(scope="module")
def facility() -> FacilitySigner:
    return parse_pem(self_signed_pem("Colo Test DC"))


@dataclass
class Loa:
    id: str
    z: dict[str, str]
    a: dict[str, str]


@pytest.fixture
def use_pki(app: Litestar) -> Iterator[Callable[[LoaPki | None], None]]:
    services = app.state.services
    previous = services.loa_pki

    def switch(pki: LoaPki | None) -> None:
        services.loa_pki = pki

    yield switch
    services.loa_pki = previous


async def _pending_loa(client: AsyncTestClient, make_key: MakeKey, plant: OrdersPlant) -> Loa:
    """A new cross-connect order from A to Z, its LOA waiting; Alice recorded as Z's signer."""
    a = (await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["a"].id)).headers
    z = (await make_key(Role.TENANT_ADMIN, tenant_id=plant.tenants["z"].id)).headers
    body = {"spec": {"kind": "cross_connect", "a_port_id": plant.ports["a"][3], "z_port_id": plant.ports["z"][3],
                     "media": "copper", "speed": "10G"}}
    created = await client.post("/v1/orders", json=body, headers=a)
    assert created.status_code == 201, created.text
    loa = (await client.get(f"/v1/orders/{created.json()['id']}/loa", headers=a)).json()
    people = (await client.get("/v1/people", params={"limit": 200}, headers=z)).json()["items"]
    if not any(p["signing_identity"] == ALICE for p in people):
        person = await client.post("/v1/people", json={"name": "Alice Aliyeva", "email": "alice@z.example",
                                                        "signing_identity": ALICE}, headers=z)
        assert person.status_code == 201, person.text
        assert person.json()["signing_identity"] == ALICE
    return Loa(id=loa["id"], z=z, a=a)


async def _to_sign(client: AsyncTestClient, loa: Loa) -> bytes:
    response = await client.get(f"/v1/loas/{loa.id}/pdf", headers=loa.z)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return response.content


async def _grant(client: AsyncTestClient, loa: Loa, pdf: bytes) -> Any:
    return await client.post(f"/v1/loas/{loa.id}/grant-signed", headers=loa.z,
                             files={"file": ("loa.pdf", pdf, "application/pdf")})


async def cli(args: list[str]) -> int:
    """`colo …` in a worker thread (the verifier runs its own event loop, as on the command line)."""
    return await asyncio.to_thread(colo_main, args)


def _appended(pdf: bytes) -> bytes:
    """`pdf` with an incremental update after its signature: a changed document title."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("other")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_each_refusal_is_its_own_problem(client: AsyncTestClient, make_key: MakeKey,
                                               orders_plant: OrdersPlant, pki: LoopbackPki, facility: FacilitySigner,
                                               use_pki: Callable[[LoaPki | None], None]) -> None:
    loa = await _pending_loa(client, make_key, orders_plant)
    request = await _to_sign(client, loa)
    use_pki(None)
    off = await _grant(client, loa, pki.sign(request, "alice"))
    assert off.status_code == 409 and "no trust list" in off.json()["detail"]
    use_pki(LoaPki(trust=pki.trust(), revocation="hard-fail", signer=facility))
    assert (await client.get(f"/v1/loas/{loa.id}/pdf", headers=loa.a)).status_code == 409  # A: nothing to sign

    cases = {
        "not_signed": request,
        "certificate_revoked": pki.sign(request, "bob"),  # revoked: the OCSP responder says so
        "certificate_expired": pki.sign(request, "carol"),
        "key_usage": pki.sign(request, "dave"),
        "untrusted_root": pki.sign(request, "mallory", issuer="other-root"),
        "signer_not_authorised": pki.sign(request, "erin"),
        "modified": _appended(pki.sign(request, "alice")),
    }
    for refusal, pdf in cases.items():
        response = await _grant(client, loa, pdf)
        assert response.status_code == 422, (refusal, response.text)
        problem = response.json()
        assert problem["field"] == "file" and problem["refusal"] == refusal, (refusal, problem)
        assert problem["detail"]
    foreign = request_pdf(text="another LOA", request={"format": "colo-loa-request/1", "loa_id": "nope"},
                          loa_id="nope")
    wrong = await _grant(client, loa, pki.sign(foreign, "alice"))
    assert wrong.status_code == 422 and wrong.json()["refusal"] == "wrong_document"
    still = (await client.get(f"/v1/loas/{loa.id}", headers=loa.z)).json()
    assert still["status"] == "loa_pending"


async def test_people_signing_identity_bad_input(client: AsyncTestClient, make_key: MakeKey,
                                                 orders_plant: OrdersPlant) -> None:
    z = (await make_key(Role.TENANT_ADMIN, tenant_id=orders_plant.tenants["z"].id)).headers
    for bad in ("PNOAZ-1", "passport:123", "email:not-an-address", "cn:\u202eevil"):
        response = await client.post("/v1/people", json={"name": "X", "email": "x@z.example",
                                                         "signing_identity": bad}, headers=z)
        assert response.status_code in (400, 422), (bad, response.text)
        assert response.json()["field"] == "signing_identity", (bad, response.text)


async def test_unreachable_responder_under_each_policy(client: AsyncTestClient, make_key: MakeKey,
                                                       orders_plant: OrdersPlant, down_pki: LoopbackPki,
                                                       facility: FacilitySigner,
                                                       use_pki: Callable[[LoaPki | None], None]) -> None:
    loa = await _pending_loa(client, make_key, orders_plant)
    signed = down_pki.sign(await _to_sign(client, loa), "alice")
    use_pki(LoaPki(trust=down_pki.trust(), revocation="hard-fail", signer=facility))
    refused = await _grant(client, loa, signed)
    assert refused.status_code == 422 and refused.json()["refusal"] == "revocation_unknown", refused.text
    use_pki(LoaPki(trust=down_pki.trust(), revocation="soft-fail", signer=facility))
    granted = await _grant(client, loa, signed)
    assert granted.status_code == 200 and granted.json()["status"] == "loa_granted", granted.text


async def test_grant_with_a_qualified_signature_and_verify_offline(
    client: AsyncTestClient, make_key: MakeKey, make_tenant: Callable[..., Awaitable[Any]],
    orders_plant: OrdersPlant, pki: LoopbackPki, facility: FacilitySigner, use_pki: Callable[[LoaPki | None], None],
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    use_pki(LoaPki(trust=pki.trust(), revocation="hard-fail", signer=facility))
    loa = await _pending_loa(client, make_key, orders_plant)
    request = await _to_sign(client, loa)
    granted = await _grant(client, loa, pki.sign(request, "alice"))
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["status"] == "loa_granted" and body["decided_by"] == "Alice Aliyeva"
    assert body["signed"]["document"]["granter_certificate_sha256"] == fingerprint(pki.cert("alice"))
    # the Ed25519 JSON is issued as before and verifies with the published keys
    keys = (await client.get("/v1/loas/public-keys")).json()["items"]
    trusted = {k["key_id"]: ed25519_public_from_raw(b64decode(k["public_key"])) for k in keys}
    assert verify(body["signed"], trusted=trusted).document["loa_id"] == loa.id

    stranger = (await make_key(Role.TENANT_ADMIN, tenant_id=(await make_tenant()).id)).headers
    assert (await client.get(f"/v1/loas/{loa.id}/pdf", headers=stranger)).status_code == 404
    download = await client.get(f"/v1/loas/{loa.id}/pdf", headers=loa.a)
    assert download.status_code == 200 and "signed.pdf" in download.headers["content-disposition"]
    certs = await client.get("/v1/loas/signing-certificates")
    assert certs.status_code == 200 and "BEGIN CERTIFICATE" in certs.text

    trust = pki.write_trust_dir(tmp_path / "trust", with_crls=True)
    (tmp_path / "facility.pem").write_text(certs.text)
    (tmp_path / "loa.pdf").write_bytes(download.content)
    args = ["loa", "verify", str(tmp_path / "loa.pdf"), "--trust", str(trust),
            "--facility-cert", str(tmp_path / "facility.pem")]
    assert await cli(args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("LOA valid:") and "Alice Aliyeva (PNOAZ-1111111)" in line and "\n" not in line

    tampered = bytearray(download.content)
    tampered[len(tampered) // 3] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    assert await cli([*args[:2], str(tmp_path / "tampered.pdf"), *args[3:]]) == 1
    assert "modified" in capsys.readouterr().out

    # the verifier's other answers, each with its exit code: files the facility key countersigned
    for label, issuer, code, refusal in (("bob", "interm", 6, "certificate_revoked"),
                                         ("carol", "interm", 5, "certificate_expired"),
                                         ("mallory", "other-root", 7, "untrusted_root"),
                                         ("erin", "interm", 8, "signer_not_authorised")):
        path = tmp_path / f"{label}.pdf"
        path.write_bytes(await asyncio.to_thread(countersign, pki.sign(request, label, issuer=issuer), facility))
        assert await cli([*args[:2], str(path), *args[3:]]) == code, label
        assert f"({refusal})" in capsys.readouterr().out
    alone = tmp_path / "alone.pdf"
    alone.write_bytes(pki.sign(request, "alice"))
    assert await cli([*args[:2], str(alone), *args[3:]]) == 9
    capsys.readouterr()
    foreign = tmp_path / "foreign.pem"
    foreign.write_bytes(pem.armor("CERTIFICATE", parse_pem(self_signed_pem("Elsewhere")).certificate.dump()))
    assert await cli([*args[:-1], str(foreign)]) == 9
    assert "facility_signature" in capsys.readouterr().out

    for _ in range(50):  # the access log is written in batches
        entries = (await client.get("/v1/access-log/entries", params={"object": str(loa.id), "limit": 50},
                                    headers=(await make_key(Role.SECURITY)).headers)).json()["items"]
        signed_entries = [e for e in entries if e["objects"].get("signer_certificate_sha256")]
        if signed_entries:
            break
        await asyncio.sleep(0.1)
    assert signed_entries[0]["objects"]["signer_certificate_sha256"] == fingerprint(pki.cert("alice"))


async def test_countersignature_timestamped_by_a_tsa(pki: LoopbackPki, facility: FacilitySigner) -> None:
    """COLO_LOA_TSA_URL: the facility's countersignature carries an RFC 3161 timestamp (PAdES B-T)
    from the TSA on loopback, which the offline verifier checks against the trust list."""
    pdf = request_pdf(text="timestamped", request={"format": "colo-loa-request/1", "loa_id": "ts",
                                                   "authorised_signers": [{"name": "Alice", "identity_sha256":
                                                                           identity_digest(ALICE)}]}, loa_id="ts")
    signed = pki.sign(pdf, "alice")
    both = await asyncio.to_thread(lambda: countersign(signed, facility, tsa_url=pki.tsa_url))
    checked = await asyncio.to_thread(lambda: verify_countersigned(both, trust=pki.trust(with_crls=True),
                                                                   facility_certs=[facility.certificate]))
    assert checked.facility.timestamped and checked.granter.common_name == "Alice Aliyeva"
    untrusted_tsa = LoopbackPki(config=pki.config, url=pki.url)
    with pytest.raises(SignatureRefused) as refused:  # a trust list without the TSA's root
        await asyncio.to_thread(lambda: verify_countersigned(
            both, trust=TrustList(roots=(untrusted_tsa.cert("other-root"),)), facility_certs=[facility.certificate]))
    assert refused.value.refusal in (Refusal.UNTRUSTED, Refusal.FACILITY)
