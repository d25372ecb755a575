"""The verifiable export checked on its own (audit/export.py), built here from pure tree functions:
each failure is named by the entry that fails, never by a position or an innocent neighbour."""

from __future__ import annotations

from pathlib import Path

import msgspec

from audit import merkle
from audit.encoding import encode_entry
from audit.export import FORMAT, ExportHeader, ExportLine, verify_export
from audit.keys import LogSigner
from audit.note import VerifierKey, verifier_key
from audit.trust import TrustedState
from audit.verify import VerifyReport
from colo.crypto import b64encode, ed25519_from_seed
from tests import audit_support as support

SIZE = 13


# One history for every test (a draft carries the time it was made).
HISTORY = [encode_entry(i, support.draft(i, "export")) for i in range(SIZE + 4)]


def entries(count: int = SIZE) -> list[bytes]:
    return HISTORY[:count]


def proof(leaves: list[bytes], index: int) -> list[str]:
    """RFC 9162 PATH(index, leaves), from the same range rules the server uses."""
    def subtree(start: int, end: int) -> bytes:
        return merkle.root_of(leaves[start:end])
    return [b64encode(subtree(s, e)) for s, e in merkle.inclusion_ranges(index, len(leaves))]


def write(path: Path, bodies: list[bytes], *, indexes: list[int] | None = None, filters: dict[str, str] | None = None,
          signed_over: list[bytes] | None = None, proofs_over: list[bytes] | None = None) -> Path:
    """An export of `bodies` at `indexes`, its checkpoint signed over `signed_over` leaves and its
    proofs taken from `proofs_over` leaves (both default to the bodies' own)."""
    leaves = [merkle.leaf_hash(b) for b in bodies]
    signed = signed_over or leaves
    note = LogSigner(origin=support.ORIGIN, key_id="t1", private=ed25519_from_seed(support.SEED)).sign(
        len(signed), merkle.root_of(signed))
    header = ExportHeader(format=FORMAT, origin=support.ORIGIN, tree_size=len(signed), checkpoint=note,
                          filters=filters or {})
    chosen = indexes if indexes is not None else list(range(len(bodies)))
    lines = [msgspec.json.encode(header)] + [
        msgspec.json.encode(ExportLine(index=i, entry=bodies[i].decode(), proof=proof(proofs_over or leaves, i)))
        for i in chosen]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def check(path: Path, trusted: TrustedState | None = None) -> VerifyReport:
    return verify_export(path, keys=support.keys(), origin=None, trusted=trusted)


def test_a_complete_export_verifies_and_moves_a_trusted_state(tmp_path: Path) -> None:
    state = TrustedState.load(tmp_path / "state", support.keys())
    report = check(write(tmp_path / "x.jsonl", entries()), state)
    assert report.ok, report.summary()
    assert (report.entries, report.signed_size, report.trusted_after) == (SIZE, SIZE, SIZE)
    again = check(write(tmp_path / "y.jsonl", entries(SIZE + 4)), TrustedState.load(tmp_path / "state", support.keys()))
    assert again.ok and (again.trusted_before, again.trusted_after) == (SIZE, SIZE + 4), again.summary()


def test_an_extract_names_the_altered_entry_a_moved_one_and_a_missing_one(tmp_path: Path) -> None:
    bodies = entries()
    extract = write(tmp_path / "ok.jsonl", bodies, indexes=[2, 7, 11], filters={"tenant_id": "t"})
    report = check(extract)
    assert report.ok and report.entries == 3 and "filtered extract (tenant_id=t)" in report.notes[-1]

    altered = list(bodies)
    altered[7] = altered[7].replace(b'"allowed"', b'"denied"')
    leaves = [merkle.leaf_hash(b) for b in bodies]
    named = check(write(tmp_path / "bad.jsonl", altered, indexes=[2, 7, 11], filters={"tenant_id": "t"},
                        signed_over=leaves, proofs_over=leaves))
    assert (named.ok, named.first_bad_index) == (False, 7), named.summary()
    assert "1 of 3 entries fail: 7" in (named.problem or "")

    moved_path = write(tmp_path / "moved.jsonl", bodies, indexes=[2, 7, 11], filters={"tenant_id": "t"})
    moved_path.write_bytes(moved_path.read_bytes().replace(b'{"index":7,', b'{"index":8,'))
    moved = check(moved_path)
    assert moved.ok is False and moved.first_bad_index == 8 and "says it is entry 7" in (moved.problem or "")

    gap = check(write(tmp_path / "gap.jsonl", bodies, indexes=[0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
    assert (gap.ok, gap.first_bad_index) == (False, 3) and "missing" in (gap.problem or "")
    short = check(write(tmp_path / "short.jsonl", bodies, indexes=list(range(SIZE - 2))))
    assert (short.ok, short.first_bad_index) == (False, SIZE - 2) and "truncated" in (short.problem or "")


def test_a_tree_recomputed_after_a_change_is_reported_without_blaming_an_entry(tmp_path: Path) -> None:
    """The database admin changed entry 5 and recomputed every node: each exported proof is then
    consistent with the forged tree, none with the signed root, and no innocent entry is named."""
    bodies = entries()
    signed = [merkle.leaf_hash(b) for b in bodies]
    forged = list(bodies)
    forged[5] = forged[5].replace(b'"allowed"', b'"denied"')
    forged_leaves = [merkle.leaf_hash(b) for b in forged]
    report = check(write(tmp_path / "x.jsonl", forged, indexes=[1, 2, 9], filters={"kind": "api"},
                         signed_over=signed, proofs_over=forged_leaves))
    assert not report.ok and report.first_bad_index is None, report.summary()
    assert "tree was recomputed" in (report.problem or "") and "--state DIR" in (report.problem or "")

    # A verifier that trusted the log before the change names the entry from its mirror.
    state = TrustedState.load(tmp_path / "state", support.keys())
    assert check(write(tmp_path / "before.jsonl", bodies), state).trusted_after == SIZE
    named = check(write(tmp_path / "after.jsonl", forged, signed_over=signed, proofs_over=forged_leaves),
                  TrustedState.load(tmp_path / "state", support.keys()))
    assert (named.ok, named.first_bad_index) == (False, 5), named.summary()
    assert "differs from the copy trusted at size 13" in (named.problem or "")


def test_a_checkpoint_by_another_key_or_unsigned_is_a_key_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", entries())
    header, _, rest = path.read_bytes().partition(b"\n")
    document = msgspec.json.decode(header)
    document["checkpoint"] = document["checkpoint"].split("\n\n")[0] + "\n\n"
    path.write_bytes(msgspec.json.encode(document) + b"\n" + rest)
    unsigned = check(path)
    assert not unsigned.ok and "carries no signature" in (unsigned.problem or "")
    assert f"trusted keys: {support.ORIGIN}+{support.keys()[0].key_hash.hex()}" in (unsigned.problem or "")
    stranger = verify_export(write(tmp_path / "y.jsonl", entries()), keys=[stranger_key()], origin=None)
    assert not stranger.ok
    assert f"no signature from a known key: signed by {support.ORIGIN}+" in (stranger.problem or "")


def stranger_key() -> VerifierKey:
    return verifier_key(support.ORIGIN, ed25519_from_seed(b"\x07" * 32))
