"""The access log over HTTP: every request recorded (refused ones too), search, export, proofs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from audit import merkle
from audit.encoding import EntryDraft
from audit.export import ExportLine, read_export
from audit.note import Checkpoint, VerifierKey, verify_checkpoint
from audit.sequencer import now_us
from colo.crypto import b64decode
from colo.identity import Role
from colo.pii import encrypt_for_tenant, erase_tenant_key
from tenants.schemas import TenantRead
from tests.conftest import IssuedTestKey

Run = Callable[..., Awaitable[Any]]


@pytest_asyncio.fixture(scope="session")
async def security_key(make_key: Callable[..., Awaitable[IssuedTestKey]]) -> IssuedTestKey:
    return await make_key(Role.SECURITY, name="audit tests security")


@pytest_asyncio.fixture(scope="session")
async def auditor_key(make_key: Callable[..., Awaitable[IssuedTestKey]]) -> IssuedTestKey:
    return await make_key(Role.AUDITOR, name="audit tests auditor")


async def settle(app: Litestar, run_in_app: Run) -> int:
    """Wait until every queued entry is committed and a checkpoint covers it."""
    return await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)


async def exported_tree(app: Litestar, content: bytes) -> tuple[Checkpoint, list[ExportLine]]:
    """The signed checkpoint an unfiltered JSONL export carries (verified) and its entry lines."""
    header, lines = read_export(content.splitlines())
    access_log = app.state.services.access_log
    return verify_checkpoint(header.checkpoint, access_log.verifier_keys, origin=access_log.origin), lines


async def find(client: AsyncTestClient, key: IssuedTestKey, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/access-log/entries", params=params, headers=key.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_refused_and_unrouted_requests_are_recorded(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, security_key: IssuedTestKey,
    tenant_admin: IssuedTestKey,
) -> None:
    marker = uuid.uuid4().hex
    unauthenticated = await client.get("/v1/access-log/entries", headers={
        "X-Request-ID": f"anon-{marker}", "User-Agent": "probe/1.0", "Authorization": "Bearer colo_nope"})
    assert unauthenticated.status_code == 401
    forbidden = await client.get("/v1/access-log/entries", headers={**tenant_admin.headers,
                                                                    "X-Request-ID": f"bfla-{marker}"})
    assert forbidden.status_code == 403
    missing = await client.get(f"/v1/nothing/{marker}", headers={"X-Request-ID": f"lost-{marker}"})
    assert missing.status_code == 404
    await settle(app, run_in_app)

    entries = {e["request_id"]: e for e in await find(client, security_key, limit=50)}
    anon = entries[f"anon-{marker}"]
    assert (anon["outcome"], anon["status"], anon["actor"]["key_id"]) == ("unauthenticated", 401, None)
    assert anon["action"] == "GET /v1/access-log/entries"
    assert anon["user_agent"] == "probe/1.0"
    assert anon["detail"]  # the reason authentication failed, never the presented key
    assert "colo_nope" not in str(anon)
    denied = entries[f"bfla-{marker}"]
    assert (denied["outcome"], denied["status"]) == ("denied", 403)
    assert denied["actor"]["key_id"] == tenant_admin.principal.key_id
    assert denied["tenant_id"] == str(tenant_admin.principal.tenant_id)
    assert denied["role"] == "tenant_admin"
    lost = entries[f"lost-{marker}"]
    assert (lost["action"], lost["outcome"], lost["objects"]) == (
        "GET (no route)", "not_found", {"path": f"/v1/nothing/{marker}"})


async def test_reading_the_log_is_itself_logged_with_the_path_parameters(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, auditor_key: IssuedTestKey,
) -> None:
    marker = f"read-{uuid.uuid4().hex}"
    response = await client.get("/v1/access-log/entries/0", headers={**auditor_key.headers, "X-Request-ID": marker})
    assert response.status_code == 200
    await settle(app, run_in_app)
    [entry] = await find(client, auditor_key, actor=auditor_key.principal.key_id,
                         action="GET /v1/access-log/entries/{index}", limit=1)
    assert entry["request_id"] == marker
    assert entry["objects"] == {"index": "0"}
    assert entry["role"] == "auditor"
    assert entry["outcome"] == "allowed"


async def test_search_filters_and_cursor_pages_do_not_overlap(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, security_key: IssuedTestKey,
) -> None:
    for _ in range(6):
        await client.get("/v1/access-log/keys", headers=security_key.headers)
    await settle(app, run_in_app)
    seen: list[int] = []
    cursor = None
    for _ in range(3):
        params: dict[str, Any] = {"action": "GET /v1/access-log/keys", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/access-log/entries", params=params, headers=security_key.headers)).json()
        seen.extend(e["index"] for e in page["items"])
        assert all(e["action"] == "GET /v1/access-log/keys" for e in page["items"])
        cursor = page["next_cursor"]
    assert len(seen) == 6 and len(set(seen)) == 6
    assert seen == sorted(seen, reverse=True)
    prefix = await find(client, security_key, action="GET /v1/access-log/k*", outcome="allowed", limit=3)
    assert {e["action"] for e in prefix} == {"GET /v1/access-log/keys"}


async def test_bad_search_input_is_a_problem_naming_the_field(
    client: AsyncTestClient, security_key: IssuedTestKey,
) -> None:
    bad_cursor = await client.get("/v1/access-log/entries", params={"cursor": "not-a-cursor"},
                                  headers=security_key.headers)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["field"] == "cursor"
    bad_limit = await client.get("/v1/access-log/entries", params={"limit": 0}, headers=security_key.headers)
    assert bad_limit.status_code == 400
    assert bad_limit.json()["field"] == "limit"
    bad_outcome = await client.get("/v1/access-log/entries", params={"outcome": "maybe"},
                                   headers=security_key.headers)
    assert bad_outcome.status_code == 400
    assert bad_outcome.headers["content-type"].startswith("application/problem+json")


async def test_checkpoint_keys_and_proofs_verify_independently(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, auditor_key: IssuedTestKey,
) -> None:
    await client.get("/v1/access-log/keys", headers=auditor_key.headers)
    await settle(app, run_in_app)
    published = (await client.get("/v1/access-log/keys", headers=auditor_key.headers)).json()
    assert published["next_cursor"] is None  # a handful of keys: one page
    keys = published["items"]
    assert any(k["current"] for k in keys)
    verifiers = [VerifierKey.parse(k["vkey"]) for k in keys]
    note = (await client.get("/v1/access-log/checkpoint", headers=auditor_key.headers)).text
    checkpoint = verify_checkpoint(note, verifiers, origin=app.state.services.settings.audit_origin)
    assert checkpoint.size >= 1

    index = checkpoint.size // 2
    proof = (await client.get("/v1/access-log/proofs/inclusion", params={"index": index},
                              headers=auditor_key.headers)).json()
    assert proof["tree_size"] == checkpoint.size
    _, exported = read_export((await client.get("/v1/access-log/export", headers=auditor_key.headers)).content
                              .splitlines())
    entry = next(line.entry.encode() for line in exported if line.index == index)
    assert merkle.leaf_hash(entry) == b64decode(proof["leaf_hash"])
    assert merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(entry),
                                   [b64decode(h) for h in proof["hashes"]], checkpoint.root)

    await client.get("/v1/access-log/keys", headers=auditor_key.headers)
    await settle(app, run_in_app)
    later = (await client.get("/v1/access-log/proofs/consistency", params={"first": checkpoint.size},
                              headers=auditor_key.headers)).json()
    second = verify_checkpoint(later["second_checkpoint"], verifiers)
    assert second.size > checkpoint.size
    assert merkle.verify_consistency(checkpoint.size, second.size, checkpoint.root, second.root,
                                     [b64decode(h) for h in later["hashes"]])

    unsigned = await client.get("/v1/access-log/proofs/inclusion", params={"index": 0, "tree_size": 10**9},
                                headers=auditor_key.headers)
    assert unsigned.status_code == 422
    assert unsigned.json()["field"] == "tree_size"


async def test_export_streams_jsonl_that_recomputes_the_signed_root_and_csv(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, auditor_key: IssuedTestKey,
) -> None:
    settled = await settle(app, run_in_app)
    export = await client.get("/v1/access-log/export", headers=auditor_key.headers)
    assert export.headers["content-type"].startswith("application/jsonl")
    checkpoint, lines = await exported_tree(app, export.content)
    assert checkpoint.size >= settled  # the export signs what was logged before it
    assert [line.index for line in lines] == list(range(checkpoint.size))  # unfiltered: every entry
    assert merkle.root_of([merkle.leaf_hash(line.entry.encode()) for line in lines]) == checkpoint.root
    assert all(merkle.verify_inclusion(line.index, checkpoint.size, merkle.leaf_hash(line.entry.encode()),
                                       [b64decode(h) for h in line.proof], checkpoint.root) for line in lines)

    csv_response = await client.get("/v1/access-log/export", params={"format": "csv", "kind": "api"},
                                    headers=auditor_key.headers)
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = csv_response.text.splitlines()
    assert rows[0].startswith("index,time,kind,request_id")
    assert len(rows) > 1


async def test_personal_data_is_revealed_to_security_withheld_from_auditors_and_erasable(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, security_key: IssuedTestKey,
    auditor_key: IssuedTestKey, make_tenant: Callable[..., Awaitable[TenantRead]],
) -> None:
    services = app.state.services
    tenant = await make_tenant()
    secret = "ID card L01X00T47"
    ciphertext = await run_in_app(encrypt_for_tenant, master_key=services.keys.master_key,
                                  tenant_id=tenant.id, plaintext=secret)
    draft = EntryDraft(time_us=now_us(), kind="physical", action="visit.checked_in", outcome="recorded",
                       tenant_id=str(tenant.id), objects={"visit": "v-1"}, pii=ciphertext)
    index = await run_in_app(services.access_log.record_durably, draft)

    shown = (await client.get(f"/v1/access-log/entries/{index}", headers=security_key.headers)).json()
    assert shown["pii"] == secret
    withheld = (await client.get(f"/v1/access-log/entries/{index}", headers=auditor_key.headers)).json()
    assert withheld["pii"] == "[withheld]"
    raw = (await client.get("/v1/access-log/export", params={"kind": "physical"},
                            headers=auditor_key.headers)).content
    assert secret.encode() not in raw and ciphertext.encode() in raw

    await run_in_app(erase_tenant_key, tenant_id=tenant.id)
    erased = (await client.get(f"/v1/access-log/entries/{index}", headers=security_key.headers)).json()
    assert erased["pii"] == "[erased]"
    checkpoint, lines = await exported_tree(
        app, (await client.get("/v1/access-log/export", headers=auditor_key.headers)).content)
    assert merkle.root_of([merkle.leaf_hash(line.entry.encode()) for line in lines]) == checkpoint.root


async def test_time_tenant_and_object_filters_select_exactly_the_matching_entries(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, security_key: IssuedTestKey,
    make_tenant: Callable[..., Awaitable[TenantRead]], make_key: Callable[..., Awaitable[IssuedTestKey]],
) -> None:
    from datetime import UTC, datetime, timedelta

    tenant = await make_tenant()
    member = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id)
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    probe = uuid.uuid4()
    for _ in range(3):
        await client.get(f"/v1/keys/{probe}", headers=member.headers)
    await settle(app, run_in_app)
    after = datetime.now(UTC) + timedelta(milliseconds=5)

    by_tenant = await find(client, security_key, tenant_id=str(tenant.id))
    assert len(by_tenant) == 3 and {e["tenant_id"] for e in by_tenant} == {str(tenant.id)}
    by_object = await find(client, security_key, object=str(probe))
    assert [e["objects"] for e in by_object] == [{"key_id": str(probe)}] * 3
    in_window = await find(client, security_key, tenant_id=str(tenant.id), since=before.isoformat(),
                           until=after.isoformat())
    assert len(in_window) == 3
    assert await find(client, security_key, tenant_id=str(tenant.id), until=before.isoformat()) == []
    gate = await make_key(Role.GATE)
    assert (await client.get("/v1/access-log/entries", headers=gate.headers)).status_code == 403


async def test_when_the_log_cannot_keep_up_requests_are_refused_not_served_unaccounted(
    client: AsyncTestClient, app: Litestar, security_key: IssuedTestKey,
) -> None:
    sequencer = app.state.services.access_log.sequencer
    limit = sequencer.max_pending
    sequencer.max_pending = 0  # as if 100 000 entries were waiting for a database that is down
    try:
        refused = await client.get("/v1/access-log/keys", headers=security_key.headers)
    finally:
        sequencer.max_pending = limit
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["type"].endswith("/unavailable")
    assert (await client.get("/v1/access-log/keys", headers=security_key.headers)).status_code == 200
