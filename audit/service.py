"""The access log as one component of the running app: store + sequencer + keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict, Unpack

from audit.encoding import EntryDraft
from audit.keys import LogSigner, log_signer, verifier_keys
from audit.note import VerifierKey
from audit.sequencer import Sequencer
from audit.store import LogStore, open_store
from audit.tiles import TileReader
from audit.witnessing import Cosigner, parse_witnesses
from colo.secretstore import Keys
from colo.settings import Settings


class SequencerOptions(TypedDict, total=False):
    """The Sequencer's tuning knobs open_access_log passes on (its defaults otherwise)."""

    max_batch: int
    max_delay: float
    checkpoint_interval: float
    max_pending: int


@dataclass(slots=True)
class AccessLog:
    store: LogStore
    sequencer: Sequencer
    signer: LogSigner
    keys: list[tuple[str, VerifierKey]]
    origin: str
    record_requests: bool = True
    witnesses_required: int = 0  # cosignatures the published checkpoint waits for (0: witnesses off)
    tiles: TileReader = field(init=False)  # tlog-tiles reads; full tiles cached for the process

    def __post_init__(self) -> None:
        self.tiles = TileReader(self.store)

    @property
    def verifier_keys(self) -> list[VerifierKey]:
        return [key for _, key in self.keys]

    def record(self, draft: EntryDraft) -> None:
        """Queue an entry (request path; committed within the batch delay)."""
        self.sequencer.submit(draft)

    async def record_durably(self, draft: EntryDraft) -> int:
        """Append and wait for the commit; returns the entry's index."""
        return await self.sequencer.append(draft)

    async def stop(self) -> None:
        await self.sequencer.stop()
        await self.store.close()


async def open_access_log(*, settings: Settings, keys: Keys,
                          **sequencer_options: Unpack[SequencerOptions]) -> AccessLog:
    witnesses = parse_witnesses(settings.audit_witnesses)
    store = await open_store(settings.database_url)
    signer = log_signer(keys, settings.audit_origin)
    cosigner = Cosigner(store=store, witnesses=witnesses, timeout=settings.audit_witness_timeout) \
        if witnesses else None
    sequencer = Sequencer(store=store, signer=signer, cosigner=cosigner, **sequencer_options)
    await sequencer.start()
    return AccessLog(
        store=store, sequencer=sequencer, signer=signer,
        keys=verifier_keys(keys, settings.audit_origin), origin=settings.audit_origin,
        record_requests=settings.audit_enabled,
        witnesses_required=min(settings.audit_witnesses_required, len(witnesses)),
    )
