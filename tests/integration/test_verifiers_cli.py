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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit.export import export_jsonl
from audit.search import EntryFilter
from audit.store import open_store
from colo.crypto import b64encode, ed25519_from_seed
from colo.secretstore import Keys, SigningKey
from colo.verifying import EXIT_INVALID, EXIT_KEY_NEEDED, EXIT_VALID
from dcim.orders.loa import format_time, public_keys, sign
from tests import audit_support as support
from tests.servers import COLO

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
    verified = colo_in(desk, "audit", "verify", "--database-url", url, "--keys", "keys.txt")
    assert verified.returncode == EXIT_VALID, verified.stdout + verified.stderr
    assert "OK: 30 entries" in verified.stdout and needed_key in verified.stdout
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
