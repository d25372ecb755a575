"""What the access-log pages compute beside the audit package's own functions: the search form's
filters (times typed on the facility's clock), and an inclusion proof checked here, in the
portal, with audit's verification functions — so "verified" on the page means the signature and
the RFC 9162 path were checked, not that the database said so. The integrity panel also reads the
witness's state (COLO_AUDIT_WITNESS_STATE, read only: never created or written here) and shows
whether the log's latest checkpoint still extends the witness's (audit.witness.compare_with_witness).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from audit.encoding import OUTCOMES
from audit.merkle import leaf_hash, verify_inclusion
from audit.note import NoteError
from audit.proofs import inclusion_proof
from audit.search import EntryFilter
from audit.service import AccessLog
from audit.store import StoredCheckpoint
from audit.trust import TrustedState
from audit.verify import claimed_index, signed_checkpoint
from audit.witness import compare_with_witness
from colo.crypto import b64encode
from colo.errors import NotFound, ValidationFailed
from web.i18n import marker as _

FIELDS = ("since", "until", "tenant_id", "actor", "action", "outcome", "object", "kind")
KINDS = ("api", "physical")
FILTER_MESSAGES = {
    "since": _("Enter a date and time, such as 2026-11-22 03:00."),
    "until": _("Enter a date and time, such as 2026-11-22 03:00."),
    "tenant_id": _("Enter a company's identifier (a UUID)."),
    "outcome": _("Choose an outcome."),
    "kind": _("Choose a kind of entry."),
}


@dataclass(frozen=True, slots=True)
class Search:
    """The form's values as typed (to show them again and to build links) and the filter."""

    values: dict[str, str]
    filters: EntryFilter
    errors: dict[str, str]

    def query(self, **extra: str) -> str:
        """The same filters as a query string (for "older" and the export links)."""
        return urlencode({**{k: v for k, v in self.values.items() if v}, **extra})


def _moment(text: str, zone: ZoneInfo) -> int:
    """Microseconds since the epoch of a time typed on the facility clock (or with an offset)."""
    parsed = datetime.fromisoformat(text.strip().replace(" ", "T"))
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    return int(moment.astimezone(UTC).timestamp() * 1_000_000)


def read_search(params: dict[str, str], zone: ZoneInfo) -> Search:
    values = {name: params.get(name, "").strip()[:256] for name in FIELDS}
    errors: dict[str, str] = {}
    times: dict[str, int | None] = {"since": None, "until": None}
    for name in times:
        if values[name]:
            try:
                times[name] = _moment(values[name], zone)
            except ValueError:
                errors[name] = FILTER_MESSAGES[name]
    if values["tenant_id"]:
        try:
            values["tenant_id"] = str(UUID(values["tenant_id"]))
        except ValueError:
            errors["tenant_id"] = FILTER_MESSAGES["tenant_id"]
    for name, allowed in (("outcome", OUTCOMES), ("kind", KINDS)):
        if values[name] and values[name] not in allowed:
            errors[name] = FILTER_MESSAGES[name]
    filters = EntryFilter(
        since_us=times["since"], until_us=times["until"],
        tenant_id=values["tenant_id"] or None if "tenant_id" not in errors else None,
        actor_key_id=values["actor"] or None, action=values["action"] or None,
        outcome=values["outcome"] or None if "outcome" not in errors else None,
        object_id=values["object"] or None,
        kind=values["kind"] or None if "kind" not in errors else None,
    )
    return Search(values=values, filters=filters, errors=errors)


def entry_time(entry: Any) -> datetime:
    """An entry's `time` (RFC 3339, UTC) as a datetime, for the page's clock."""
    return datetime.fromisoformat(str(entry.time).replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class ProofResult:
    """What the Prove button found: verified (with size, root and signing time) or why not."""

    index: int
    verified: bool
    problem: str | None = None
    tree_size: int | None = None
    root: str | None = None
    signed_at: datetime | None = None
    path_length: int = 0
    key: str | None = None


async def _stored_checkpoint(access_log: AccessLog, size: int) -> StoredCheckpoint | None:
    rows = await access_log.store.fetch(
        "SELECT tree_size, root, key_id, signed_at_us, note FROM audit_checkpoint WHERE tree_size = ?", size)
    if not rows:
        return None
    tree_size, root, key_id, signed_at, note = rows[0]
    return StoredCheckpoint(int(tree_size), bytes(root), key_id, int(signed_at), note)


async def prove(*, access_log: AccessLog, index: int) -> ProofResult:
    """Fetch entry `index`'s inclusion proof in the latest signed tree and check it: the
    checkpoint's signature under the log's verifier keys, the entry's bytes claiming `index`, and
    the RFC 9162 path from the entry's leaf hash (computed here) to the signed root."""
    rows = await access_log.store.fetch("SELECT body FROM audit_entry WHERE idx = ?", index)
    if not rows:
        raise NotFound("access-log entry", index)
    body = rows[0][0]
    body = body.encode() if isinstance(body, str) else bytes(body)
    latest = await access_log.store.latest_checkpoint()
    if latest is None or latest.tree_size <= index:
        await access_log.sequencer.checkpoint_now()  # sign what was logged up to now (as the export does)
    try:
        proof = await inclusion_proof(store=access_log.store, index=index)
    except (NotFound, ValidationFailed):
        return ProofResult(index=index, verified=False, problem=_("No signed checkpoint covers this entry yet."))
    if proof.checkpoint is None:
        return ProofResult(index=index, verified=False, problem=_("The proof came without its signed checkpoint."))
    try:
        checkpoint = signed_checkpoint(proof.checkpoint, access_log.verifier_keys, access_log.origin)
    except NoteError:
        return ProofResult(index=index, verified=False, tree_size=proof.tree_size,
                           problem=_("The checkpoint's signature does not verify under the log's keys."))
    stored = await _stored_checkpoint(access_log, checkpoint.size)
    result = ProofResult(
        index=index, verified=False, tree_size=checkpoint.size, root=b64encode(checkpoint.root),
        signed_at=datetime.fromtimestamp(stored.signed_at_us / 1_000_000, UTC) if stored else None,
        path_length=len(proof.hashes), key=stored.key_id if stored else None)
    if checkpoint.size != proof.tree_size:
        return replace(result, problem=_("The proof is for another tree size than its checkpoint."))
    if claimed_index(body) != index:
        return replace(result, problem=_("The entry's bytes do not say they are this entry."))
    if not verify_inclusion(index, checkpoint.size, leaf_hash(body), proof.hashes, checkpoint.root):
        return replace(result, problem=_("The inclusion proof does not lead to the signed root."))
    return replace(result, verified=True)


def in_units(seconds: int) -> tuple[str, int]:
    """A duration in its largest whole unit: ("seconds"|"minutes"|"hours"|"days", n)."""
    for unit, width in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * width:
            return unit, seconds // width
    return "seconds", seconds


@dataclass(frozen=True, slots=True)
class WitnessPanel:
    """The witness's state as the panel shows it: not configured, nothing recorded yet, unreadable
    (`problem`), or its last checkpoint with whether the live log extends it and how far behind."""

    configured: bool
    recorded: bool = False
    unreadable: bool = False
    size: int = 0
    recorded_at: datetime | None = None
    age_seconds: int = 0
    consistent: bool | None = None  # None: no live checkpoint to compare with
    behind: int = 0  # entries the live log holds beyond the witness's checkpoint
    problem: str = ""

    @property
    def age(self) -> tuple[str, int]:
        return in_units(self.age_seconds)


async def witness_panel(*, access_log: AccessLog, directory: str, now: datetime) -> WitnessPanel:
    """Read the witness's state without writing it (TrustedState.read creates nothing) and compare."""
    if not directory:
        return WitnessPanel(configured=False)
    try:
        state = await asyncio.to_thread(TrustedState.read, Path(directory), access_log.verifier_keys)
        recorded = await asyncio.to_thread(state.recorded_at) if state is not None else None
    except (OSError, ValueError) as exc:  # NoteError is a ValueError: not signed under the log's keys
        return WitnessPanel(configured=True, unreadable=True, problem=str(exc))
    if state is None:
        return WitnessPanel(configured=True)
    comparison = await compare_with_witness(store=access_log.store, state=state, keys=access_log.verifier_keys,
                                            origin=access_log.origin)
    at = datetime.fromtimestamp(recorded, UTC) if recorded is not None else None
    return WitnessPanel(configured=True, recorded=True, size=comparison.witnessed_size, recorded_at=at,
                        age_seconds=max(0, int((now - at).total_seconds())) if at else 0,
                        consistent=comparison.consistent, behind=comparison.behind, problem=comparison.problem)


@dataclass(frozen=True, slots=True)
class Integrity:
    """The integrity panel: the latest signed checkpoint, whether its signature verifies, and the
    witness's view of it."""

    size: int
    root: str
    signed_at: datetime
    age_seconds: int
    signature_ok: bool
    key_id: str
    vkey: str | None  # the verifier key that signs it, for `colo audit verify --keys`
    witness: WitnessPanel = field(default_factory=lambda: WitnessPanel(configured=False))

    @property
    def age(self) -> tuple[str, int]:
        """The checkpoint's age in the largest whole unit: ("seconds"|"minutes"|"hours"|"days", n)."""
        return in_units(self.age_seconds)


async def integrity(*, access_log: AccessLog, now: datetime, witness_state: str = "") -> Integrity | None:
    latest = await access_log.store.latest_checkpoint()
    if latest is None:
        return None
    try:
        signed_checkpoint(latest.note, access_log.verifier_keys, access_log.origin)
        ok = True
    except NoteError:
        ok = False
    signed_at = datetime.fromtimestamp(latest.signed_at_us / 1_000_000, UTC)
    key = dict(access_log.keys).get(latest.key_id)
    return Integrity(size=latest.tree_size, root=b64encode(latest.root), signed_at=signed_at,
                     age_seconds=max(0, int((now - signed_at).total_seconds())), signature_ok=ok,
                     key_id=latest.key_id, vkey=key.vkey if key else None,
                     witness=await witness_panel(access_log=access_log, directory=witness_state, now=now))
