"""The access log as C2SP tlog-tiles, read by a client written here from the specs alone: its own
SHA-256 RFC 6962 hashing, its own signed-note parsing, `cryptography` for Ed25519 — nothing from
audit/. It fetches the checkpoint and every tile over HTTP, rebuilds the tree and matches the
signed root."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Litestar
from litestar.testing import AsyncTestClient

from audit.encoding import EntryDraft, now_us
from colo.identity import Role
from tests.conftest import IssuedTestKey

Run = Callable[..., Awaitable[Any]]
TLOG = "/v1/access-log/tlog"


# --- the independent client ------------------------------------------------------------------

def leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes (split at the largest power of two < n)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node(mth(hashes[:k]), mth(hashes[k:]))


def index_path(n: int) -> str:
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if not n:
            break
    return "/".join([f"x{g}" for g in reversed(groups[1:])] + [groups[0]])


def tile_url(level: int | str, n: int, width: int) -> str:
    return f"{TLOG}/tile/{level}/{index_path(n)}" + ("" if width == 256 else f".p/{width}")


def verify_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """c2sp.org/signed-note: find the line signed by `vkey` and check it; (origin, size, root)."""
    name, key_hash_hex, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 0x01 and len(raw) == 33
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash_hex
    body, _, signatures = note.partition("\n\n")
    origin, size, root_b64 = body.split("\n")[:3]
    for line in signatures.splitlines():
        dash, signer, blob_b64 = line.split(" ")
        blob = base64.b64decode(blob_b64)
        if dash == "\u2014" and signer == name and blob[:4].hex() == key_hash_hex:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], (body + "\n").encode())
            return origin, int(size), base64.b64decode(root_b64)
    raise AssertionError("no signature by the log's key")


def unbundle(bundle: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(bundle):
        length = int.from_bytes(bundle[at:at + 2], "big")
        entries.append(bundle[at + 2:at + 2 + length])
        at += 2 + length
    return entries


# --- the test ---------------------------------------------------------------------------------

@pytest_asyncio.fixture(scope="module")
async def reader(make_key: Callable[..., Awaitable[IssuedTestKey]]) -> IssuedTestKey:
    return await make_key(Role.AUDITOR, name="tlog tiles auditor")


def reading(client: AsyncTestClient[Litestar], key: IssuedTestKey) -> Callable[[str], Awaitable[httpx.Response]]:
    async def get(path: str) -> httpx.Response:
        return await client.get(path, headers=key.headers)

    return get


async def grow(app: Litestar, run_in_app: Run, count: int) -> None:
    async def append() -> None:
        access_log = app.state.services.access_log
        for n in range(count):
            access_log.record(EntryDraft(time_us=now_us(), kind="api", action="GET /v1/test/tiles", outcome="allowed",
                                         status=200, request_id=f"tiles-{n}", objects={"n": str(n)}))
        await access_log.sequencer.checkpoint_now()

    await run_in_app(append)


async def test_an_independent_client_rebuilds_the_tree_from_tiles_and_matches_the_signed_root(
    client: AsyncTestClient[Litestar], app: Litestar, run_in_app: Run, reader: IssuedTestKey,
) -> None:
    await grow(app, run_in_app, 600)
    get = reading(client, reader)
    vkeys = (await get("/v1/access-log/keys")).json()["items"]
    current = next(k["vkey"] for k in vkeys if k["current"])
    checkpoint = await get(f"{TLOG}/checkpoint")
    assert checkpoint.status_code == 200 and checkpoint.headers["cache-control"] == "no-store"
    origin, size, root = verify_note(checkpoint.text, current)
    assert size >= 600 and origin == current.split("+", 2)[0]

    leaves: list[bytes] = []
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        tile = await get(tile_url(0, n, width))
        bundle = await get(tile_url("entries", n, width))
        assert (tile.status_code, bundle.status_code) == (200, 200), (tile.text, bundle.text)
        assert tile.headers["content-type"] == "application/octet-stream"
        expected_cache = "immutable" if width == 256 else "max-age=5"
        assert expected_cache in tile.headers["cache-control"] and expected_cache in bundle.headers["cache-control"]
        hashes = [tile.content[i:i + 32] for i in range(0, len(tile.content), 32)]
        entries = unbundle(bundle.content)
        assert len(hashes) == len(entries) == width
        assert [leaf(e) for e in entries] == hashes  # every entry is the leaf its tile says
        leaves.extend(hashes)
    assert mth(leaves) == root

    # Level 1: each full level-0 tile's subtree hash, as a partial tile (the tree has < 65,536 leaves).
    full_tiles = size // 256
    level1 = await get(tile_url(1, 0, full_tiles))
    assert level1.status_code == 200
    assert [level1.content[i:i + 32] for i in range(0, len(level1.content), 32)] == [
        mth(leaves[i * 256:(i + 1) * 256]) for i in range(full_tiles)]
    # A narrower partial tile is a prefix of the wider one (tiles only ever grow).
    assert (await get(tile_url(0, 0, 7))).content == b"".join(leaves[:7])


async def test_tiles_the_tree_has_not_filled_and_misspelled_paths_are_not_found(
    client: AsyncTestClient[Litestar], app: Litestar, run_in_app: Run, reader: IssuedTestKey,
) -> None:
    await grow(app, run_in_app, 3)
    get = reading(client, reader)
    size = int((await get(f"{TLOG}/checkpoint")).text.split("\n")[1])
    beyond = size // 256 + 1
    for path in (tile_url(0, beyond, 256), tile_url(0, size // 256, 255) if size % 256 < 255 else tile_url(2, 1, 1),
                 f"{TLOG}/tile/0/5", f"{TLOG}/tile/0/x000/000", f"{TLOG}/tile/0/000.p/0",
                 f"{TLOG}/tile/0/000.p/256", f"{TLOG}/tile/0/000.p/07", f"{TLOG}/tile/64/000", f"{TLOG}/tile/00/000",
                 f"{TLOG}/tile/entries/{index_path(beyond)}"):
        response = await get(path)
        assert response.status_code == 404, (path, response.status_code, response.text)


async def test_tiles_are_for_log_readers_only_and_each_fetch_is_logged(
    client: AsyncTestClient[Litestar], app: Litestar, run_in_app: Run, reader: IssuedTestKey,
    tenant_admin: IssuedTestKey,
) -> None:
    await grow(app, run_in_app, 3)
    for path in (f"{TLOG}/checkpoint", tile_url(0, 0, 1), tile_url("entries", 0, 1)):
        assert (await client.get(path, headers=tenant_admin.headers)).status_code == 403
        assert (await client.get(path)).status_code == 401
    marker = f"tile-{uuid.uuid4().hex}"
    fetched = await client.get(tile_url("entries", 0, 2), headers={**reader.headers, "X-Request-ID": marker})
    assert fetched.status_code == 200
    await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)
    found = (await client.get("/v1/access-log/entries", headers=reader.headers,
                              params={"actor": reader.principal.key_id, "action": "GET /v1/access-log/tlog/*",
                                      "limit": 20})).json()["items"]
    [entry] = [e for e in found if e["request_id"] == marker]
    assert entry["outcome"] == "allowed" and entry["objects"] == {"tail": "/entries/000.p/2"}
