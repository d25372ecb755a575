"""Offline verifiers as a technician or auditor runs them: the real `colo` in an empty directory,
with none of the facility's configuration. They never create a key (a made-up key called every
genuine LOA "altered" and every genuine log "signed by no known key"); without a key they name
the one they need and exit 4; with the facility's published keys they verify.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from audit.export import export_jsonl, read_export
from audit.note import VerifierKey, verifier_key
from audit.search import EntryFilter
from audit.store import open_store
from colo.crypto import b64encode, ed25519_from_seed
from colo.identity import Role
from colo.secretstore import Keys, SigningKey, existing_signing_keys
from colo.settings import Settings
from colo.verifying import EXIT_INVALID, EXIT_KEY_NEEDED, EXIT_VALID
from dcim.orders.loa import format_time, public_keys, sign
from tenants.schemas import TenantRead
from tests import audit_support as support
from tests.conftest import IssuedTestKey
from tests.servers import COLO, ColoServer, colo_env

Run = Callable[..., Awaitable[Any]]
MakeKey = Callable[..., Awaitable[IssuedTestKey]]
MakeTenant = Callable[..., Awaitable[TenantRead]]

pytestmark = pytest.mark.timeout(300)


def colo_in(cwd: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """`colo ARGS` in `cwd` with no COLO_* configuration at all (as on an auditor's laptop)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLO_")}
    env.update(COLO_LOG_LEVEL="WARNING", **extra)
    return subprocess.run([COLO, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def files_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


async def signed_log(directory: Path, count: int, *, batch: int = 7) -> str:
    await asyncio.to_thread(directory.mkdir)
    url = f"sqlite:///{directory / 'colo.sqlite3'}"
    support.migrate_in_subprocess(url)
    store = await open_store(url)
    await support.append(store, count, tag="verifier", batch=batch)
    await store.close()
    return url


async def test_audit_verify_never_creates_a_key_and_names_the_one_it_needs(tmp_path: Path) -> None:
    url = await signed_log(tmp_path / "facility", 30)
    desk = tmp_path / "auditor"
    desk.mkdir()
    needed_key = f"{support.ORIGIN}+{support.keys()[0].key_hash.hex()}"

    needed = colo_in(desk, "audit", "verify", "--database-url", url)
    assert needed.returncode == EXIT_KEY_NEEDED, needed.stdout + needed.stderr
    assert needed.stdout.startswith("KEY NEEDED") and needed_key in needed.stdout
    assert "--keys FILE" in needed.stdout and "--api URL" in needed.stdout
    witness = colo_in(desk, "audit", "witness", "--state", str(tmp_path / "witness"), "--database-url", url)
    assert witness.returncode == EXIT_KEY_NEEDED and needed_key in witness.stdout
    no_database = colo_in(desk, "audit", "verify")  # the default ./var/colo.sqlite3 does not exist here
    assert no_database.returncode == 2 and "no database at var/colo.sqlite3" in no_database.stderr
    assert files_in(desk) == []  # no ./var/secrets, no generated key, no database

    (desk / "keys.txt").write_text(support.keys()[0].vkey + "\n")
    state = str(tmp_path / "verifier-state")
    verified = colo_in(desk, "audit", "verify", "--database-url", url, "--keys", "keys.txt", "--state", state)
    assert verified.returncode == EXIT_VALID, verified.stdout + verified.stderr
    assert "OK: 30 entries" in verified.stdout and needed_key in verified.stdout
    stranger = verifier_key(support.ORIGIN, ed25519_from_seed(b"\x07" * 32)).vkey
    other_keys = colo_in(desk, "audit", "verify", "--database-url", url, "--vkey", stranger, "--state", state)
    assert other_keys.returncode == 2 and f"--state {state}: no signature from a known key" in other_keys.stderr
    configured = colo_in(desk, "audit", "verify", "--database-url", url,
                         COLO_AUDIT_SIGNING_KEY=f"t1:{b64encode(support.SEED)}", COLO_AUDIT_ORIGIN=support.ORIGIN)
    assert configured.returncode == EXIT_VALID, configured.stdout + configured.stderr

    with sqlite3.connect(tmp_path / "facility" / "colo.sqlite3") as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET body = replace(body, '\"allowed\"', '\"denied\"') WHERE idx = 11")
    altered = colo_in(desk, "audit", "verify", "--database-url", url, "--key", "keys.txt")
    assert altered.returncode == EXIT_INVALID and "first bad index 11" in altered.stdout, altered.stdout
    (desk / "other.txt").write_text(f"{support.ORIGIN}+00000000+AQ==\n")
    malformed = colo_in(desk, "audit", "verify", "--database-url", url, "--keys", "other.txt")
    assert malformed.returncode == 2 and "--keys other.txt" in malformed.stderr
    assert files_in(desk) == ["keys.txt", "other.txt"]


def _loa(key: SigningKey) -> dict[str, object]:
    now = datetime.now(UTC)
    return sign({
        "loa_id": "loa-1", "order_id": "order-1", "facility": "Colo Regional DC 1",
        "issued_at": format_time(now - timedelta(hours=1)), "expires_at": format_time(now + timedelta(days=30)),
        "a_side": {"party": "Acme Telecom", "port": {"id": 11, "device": "acme-pp1", "name": "F1"}},
        "z_side": {"party": "Globex Carrier", "port": {"id": 22, "device": "globex-pp1", "name": "F7"}},
    }, key)


def test_loa_verify_never_creates_a_key_and_verifies_with_the_published_keys(tmp_path: Path) -> None:
    facility = SigningKey("k1", ed25519_from_seed(support.SEED))
    published = public_keys(Keys(api_key_peppers={1: b"p" * 16}, master_key=b"m" * 32, signing_keys=(facility,)))
    desk = tmp_path / "technician"
    desk.mkdir()
    signed = _loa(facility)
    (desk / "loa.json").write_text(json.dumps({"id": "loa-1", "status": "granted", "signed": signed}))

    needed = colo_in(desk, "loa", "verify", "loa.json")
    assert needed.returncode == EXIT_KEY_NEEDED, needed.stdout + needed.stderr
    assert needed.stdout.startswith("KEY NEEDED") and "key 'k1' of Colo Regional DC 1" in needed.stdout
    assert "--api" in needed.stdout and "/v1/loas/public-keys" in needed.stdout
    assert files_in(desk) == ["loa.json"]  # no ./var/secrets, no generated key

    (desk / "keys.json").write_text(json.dumps(published))  # GET /v1/loas/public-keys, saved
    valid = colo_in(desk, "loa", "verify", "loa.json", "--keys", "keys.json")
    assert valid.returncode == EXIT_VALID, valid.stdout + valid.stderr
    assert "LOA valid: loa-1" in valid.stdout and "keys.json" in valid.stdout
    own_host = colo_in(desk, "loa", "verify", "loa.json", COLO_AUDIT_SIGNING_KEY=f"k1:{b64encode(support.SEED)}")
    assert own_host.returncode == EXIT_VALID, own_host.stdout + own_host.stderr

    signed["document"]["z_side"]["port"]["id"] = 23  # type: ignore[index]
    (desk / "tampered.json").write_text(json.dumps(signed))
    altered = colo_in(desk, "loa", "verify", "tampered.json", "--keys", "keys.json")
    assert altered.returncode == EXIT_INVALID and "LOA INVALID: signature does not match" in altered.stdout

    forger = SigningKey("k9", ed25519_from_seed(bytes(32)))
    (desk / "forged.json").write_text(json.dumps(_loa(forger)))
    forged = colo_in(desk, "loa", "verify", "forged.json", "--keys", "keys.json")
    assert forged.returncode == EXIT_INVALID and "'k9', which is not one of this facility's keys" in forged.stdout
    assert files_in(desk) == ["forged.json", "keys.json", "loa.json", "tampered.json"]


async def test_a_changed_entry_is_named_by_its_proof_and_never_misnamed_without_one(tmp_path: Path) -> None:
    """Entry 23 of 40 is changed in two exports of one log signed once: bare entries (only the root
    can disagree) and the export with proofs (the entry's own proof fails)."""
    url = await signed_log(tmp_path / "facility", 40, batch=40)
    store = await open_store(url)
    try:
        checkpoint = await store.latest_checkpoint()
        assert checkpoint is not None and checkpoint.tree_size == 40
        bare = [body for _, body in await store.fetch("SELECT idx, body FROM audit_entry ORDER BY idx")]
        proven = b"".join([chunk async for chunk in export_jsonl(
            store=store, filters=EntryFilter(), checkpoint=checkpoint, origin=support.ORIGIN)])
    finally:
        await store.close()
    desk = tmp_path / "auditor"
    desk.mkdir()
    (desk / "keys.txt").write_text(support.keys()[0].vkey)
    (desk / "cp.note").write_text(checkpoint.note)
    bare[23] = bare[23].replace('"allowed"', '"denied"')
    (desk / "bare.jsonl").write_text("".join(f"{body}\n" for body in bare))
    lines = proven.decode().splitlines()
    assert lines[24].count('\\"allowed\\"') == 1  # line 0 is the header
    lines[24] = lines[24].replace('\\"allowed\\"', '\\"denied\\"')
    (desk / "proven.jsonl").write_text("\n".join(lines) + "\n")

    blind = colo_in(desk, "audit", "verify", "--export", "bare.jsonl", "--checkpoint", "cp.note", "--keys", "keys.txt")
    assert blind.returncode == EXIT_INVALID, blind.stdout + blind.stderr
    assert "first bad index" not in blind.stdout  # it used to name index 0
    assert "among entries 0..39" in blind.stdout and "--state DIR" in blind.stdout
    assert "inclusion proofs" in blind.stdout

    named = colo_in(desk, "audit", "verify", "--export", "proven.jsonl", "--keys", "keys.txt")
    assert named.returncode == EXIT_INVALID, named.stdout + named.stderr
    assert "FAILED: first bad index 23: entry 23 is not the entry the log signed" in named.stdout
    assert "1 of 40 entries fail" in named.stdout


async def logged_for(client: AsyncTestClient, run_in_app: Run, app: Litestar, tenant_id: str,
                     reader: IssuedTestKey, count: int) -> None:
    """Wait until `count` entries of the tenant are committed (each is queued as its request ends)."""
    for _ in range(100):
        await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)
        found = await client.get("/v1/access-log/entries", params={"tenant_id": tenant_id}, headers=reader.headers)
        if len(found.json()["items"]) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the tenant's {count} requests never reached the access log")


async def test_a_tenant_extract_from_the_api_verifies_offline_on_its_own(
    client: AsyncTestClient, app: Litestar, run_in_app: Run, make_tenant: MakeTenant, make_key: MakeKey,
    tmp_path: Path,
) -> None:
    tenant = await make_tenant()
    member = await make_key(Role.TENANT_MEMBER, tenant_id=tenant.id)
    security = await make_key(Role.SECURITY, name="extract officer")
    for _ in range(3):  # the tenant's entries, with someone else's between them
        await client.get("/v1/access-log/keys", headers=security.headers)
        await client.get(f"/v1/keys/{uuid.uuid4()}", headers=member.headers)  # logged, allowed or not
    await logged_for(client, run_in_app, app, str(tenant.id), security, 3)
    export = await client.get("/v1/access-log/export", params={"tenant_id": str(tenant.id)},
                              headers=security.headers)
    assert export.status_code == 200, export.text
    header, lines = read_export(export.content.splitlines())
    assert header.filters == {"tenant_id": str(tenant.id)} and len(lines) == 3
    assert lines[2].index - lines[0].index > 2  # positions in the file are not log indexes
    published = await client.get("/v1/access-log/keys", headers=security.headers)
    desk = tmp_path / "auditor"
    desk.mkdir()
    (desk / "keys.json").write_bytes(published.content)
    text = export.content.decode().splitlines()
    (desk / "extract.jsonl").write_text("\n".join(text) + "\n")

    needed = colo_in(desk, "audit", "verify", "--export", "extract.jsonl")
    key = VerifierKey.parse(next(k["vkey"] for k in published.json()["items"] if k["current"]))
    assert needed.returncode == EXIT_KEY_NEEDED and f"{key.name}+{key.key_hash.hex()}" in needed.stdout
    verified = colo_in(desk, "audit", "verify", "--export", "extract.jsonl", "--keys", "keys.json")
    assert verified.returncode == EXIT_VALID, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"OK: 3 entries, 1 checkpoints verified, signed size {header.tree_size}")
    assert f"a filtered extract (tenant_id={tenant.id})" in verified.stdout

    second = json.loads(text[2])  # one byte of the second entry: the last digit of its time
    at = second["entry"].index('Z"') - 1
    second["entry"] = second["entry"][:at] + str((int(second["entry"][at]) + 1) % 10) + second["entry"][at + 1:]
    (desk / "altered.jsonl").write_text("\n".join([*text[:2], json.dumps(second), *text[3:]]) + "\n")
    altered = colo_in(desk, "audit", "verify", "--export", "altered.jsonl", "--keys", "keys.json")
    assert altered.returncode == EXIT_INVALID, altered.stdout + altered.stderr
    assert f"FAILED: first bad index {lines[1].index}: entry {lines[1].index} is not the entry" in altered.stdout

    unsigned = json.loads(text[0])
    unsigned["checkpoint"] = unsigned["checkpoint"].split("\n\n")[0] + "\n\n"
    (desk / "unsigned.jsonl").write_text("\n".join([json.dumps(unsigned), *text[1:]]) + "\n")
    dropped = colo_in(desk, "audit", "verify", "--export", "unsigned.jsonl", "--keys", "keys.json")
    assert dropped.returncode == EXIT_INVALID, dropped.stdout + dropped.stderr
    assert "checkpoint carries no signature" in dropped.stdout
    assert f"trusted keys: {key.name}+{key.key_hash.hex()}" in dropped.stdout


async def test_verifiers_fetch_the_published_keys_from_the_facility_api(
    client: AsyncTestClient, settings: Settings, make_key: MakeKey, tmp_path: Path,
) -> None:
    facility_keys = existing_signing_keys(settings)  # the keys the running app generated for itself
    assert facility_keys
    auditor = await make_key(Role.AUDITOR, name="api-fetching auditor")
    export = await client.get("/v1/access-log/export", params={"kind": "api"}, headers=auditor.headers)
    desk = tmp_path / "desk"
    desk.mkdir()
    (desk / "export.jsonl").write_bytes(export.content)
    (desk / "loa.json").write_text(json.dumps(_loa(facility_keys[-1])))
    server = ColoServer(env=colo_env(database_url=settings.database_url, secrets_dir=Path(settings.secrets_dir),
                                     netbox_url=settings.netbox_url, netbox_token=settings.netbox_token),
                        log_path=tmp_path / "colo.log")
    await asyncio.to_thread(server.start)
    try:
        loa = colo_in(desk, "loa", "verify", "loa.json", "--api", server.url)
        assert loa.returncode == EXIT_VALID, loa.stdout + loa.stderr
        assert f"{server.url}/v1/loas/public-keys" in loa.stdout
        log = colo_in(desk, "audit", "verify", "--export", "export.jsonl", "--api", server.url,
                      COLO_API_KEY=auditor.plaintext)
        assert log.returncode == EXIT_VALID, log.stdout + log.stderr
        assert f"{server.url}/v1/access-log/keys" in log.stdout
        anonymous = colo_in(desk, "audit", "verify", "--export", "export.jsonl", "--api", server.url)
        assert anonymous.returncode == 2 and "answered 401" in anonymous.stderr and "COLO_API_KEY" in anonymous.stderr
    finally:
        await asyncio.to_thread(server.stop)
    assert files_in(desk) == ["export.jsonl", "loa.json"]
