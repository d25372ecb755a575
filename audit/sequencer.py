"""The sequencer: batches entries (≤50 ms or ≤256), appends each batch in one transaction.

Trade-off, chosen deliberately: a request does not wait for its entry to be committed. The
entry is queued in memory and the response goes out; the batch commits within ~50 ms. A hard
crash (kill -9, power cut) can therefore lose what is still queued: normally the last ~50 ms
(`max_delay`, `max_batch`), or, while the database is falling behind, the backlog up to
`max_pending` — a clean shutdown flushes everything. Waiting for the commit on every request
would cost each request a round trip to the database and a serialised lock; batching costs
nothing on the request path. Physical events (a visit approved, a door refused) call `append()`
instead, which returns only after the entry is committed, because the caller records a state
change the log must not miss.

If the database is unreachable, batches are retried with back-off and the queue grows up to
`max_pending`; past that `saturated` is true and the API refuses new requests with 503 rather
than serving requests it cannot account for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from audit.appender import append_batch, checkpoint_if_due
from audit.encoding import EntryDraft, now_us
from audit.keys import LogSigner
from audit.store import LogStore
from audit.witnessing import Cosigner
from colo.logging import get_logger

log = get_logger(__name__)
SHUTDOWN_ATTEMPTS = 5  # when stopping with the database gone, give up after this many tries


class Sequencer:
    def __init__(
        self, *, store: LogStore, signer: LogSigner, max_batch: int = 256, max_delay: float = 0.05,
        checkpoint_interval: float = 0.5, max_pending: int = 100_000,
        clock: Callable[[], int] = now_us, cosigner: Cosigner | None = None,
    ) -> None:
        self.store = store
        self.cosigner = cosigner  # witnesses asked after each checkpoint, in the background
        self.signer = signer
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.checkpoint_interval_us = int(checkpoint_interval * 1_000_000)
        self.max_pending = max_pending
        self.clock = clock
        self._pending: list[tuple[EntryDraft, asyncio.Future[int] | None]] = []
        self._oldest_at = 0.0
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._submitted = 0
        self._committed = 0
        self._barriers: list[tuple[int, asyncio.Future[None]]] = []
        self._checkpoint_due_at: int | None = None
        self.last_error: str | None = None

    @property
    def saturated(self) -> bool:
        return len(self._pending) >= self.max_pending

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            # A process that crashed may have left committed entries unsigned: sign them now.
            self._checkpoint_due_at = self.clock()
            self._task = asyncio.create_task(self._run(), name="audit-sequencer")

    async def stop(self) -> None:
        """Flush what is queued, sign the final head, stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        self._full.set()
        await self._task
        self._task = None
        try:
            self._witness(await checkpoint_if_due(self.store, signer=self.signer, now_us=self.clock()))
        except Exception as exc:  # shutting down: report, do not mask the shutdown
            log.error("final checkpoint failed", error=type(exc).__name__)
        if self.cosigner is not None:
            await self.cosigner.drain()

    def submit(self, draft: EntryDraft) -> None:
        """Queue an entry without waiting (the request path)."""
        self._enqueue(draft, None)

    async def append(self, draft: EntryDraft) -> int:
        """Queue an entry and wait until it is committed; returns its index."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._enqueue(draft, future)
        return await future

    async def flush(self) -> None:
        """Wait until everything submitted before this call is committed."""
        if self._committed >= self._submitted:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._barriers.append((self._submitted, future))
        self._wake.set()
        await future

    async def checkpoint_now(self) -> int:
        await self.flush()
        size = await checkpoint_if_due(self.store, signer=self.signer, now_us=self.clock())
        self._witness(size)
        return size

    def _witness(self, size: int) -> None:
        """Have the checkpoint of `size` cosigned in the background (audit.witnessing)."""
        if self.cosigner is not None and size > 0:
            self.cosigner.request(size)

    def _enqueue(self, draft: EntryDraft, future: asyncio.Future[int] | None) -> None:
        if self._task is None:
            raise RuntimeError("the sequencer is not running")
        if not self._pending:
            self._oldest_at = time.monotonic()
        self._pending.append((draft, future))
        self._submitted += 1
        self._wake.set()
        if len(self._pending) >= self.max_batch:
            self._full.set()

    async def _run(self) -> None:
        backoff, failures = 0.05, 0
        while True:
            if not self._pending:
                if self._stopping:
                    return
                await self._idle()
                continue
            await self._wait_for_batch()
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            if self._pending:
                self._oldest_at = time.monotonic()
            try:
                result = await append_batch(
                    self.store, [d for d, _ in batch], signer=self.signer, now_us=self.clock(),
                    checkpoint_interval_us=self.checkpoint_interval_us,
                )
            except Exception as exc:  # the database is down or busy: keep the entries, retry
                self._pending[:0] = batch
                self._oldest_at = time.monotonic()
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                failures += 1
                log.error("access log append failed; retrying", error=type(exc).__name__,
                          pending=len(self._pending))
                if self._stopping and failures >= SHUTDOWN_ATTEMPTS:
                    log.error("access log: entries could not be written before shutdown",
                              lost=len(self._pending))
                    self._fail_waiters(exc)
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            backoff, failures = 0.05, 0
            self.last_error = None
            for offset, (_draft, future) in enumerate(batch):
                if future is not None and not future.done():
                    future.set_result(result.first_index + offset)
            self._committed += len(batch)
            self._release_barriers()
            if result.checkpoint_size > result.first_index:
                self._witness(result.checkpoint_size)  # this batch's transaction signed one
            if result.checkpoint_size < result.size:
                self._checkpoint_due_at = result.checkpoint_at_us + self.checkpoint_interval_us
            else:
                self._checkpoint_due_at = None

    async def _wait_for_batch(self) -> None:
        age = time.monotonic() - self._oldest_at
        if len(self._pending) >= self.max_batch or self._stopping or age >= self.max_delay:
            return
        self._full.clear()
        if len(self._pending) >= self.max_batch:
            return
        try:
            await asyncio.wait_for(self._full.wait(), self.max_delay - age)
        except TimeoutError:
            pass

    async def _idle(self) -> None:
        """Nothing queued: sleep until new entries arrive or an owed checkpoint falls due."""
        timeout = None
        if self._checkpoint_due_at is not None:
            timeout = max(0.0, (self._checkpoint_due_at - self.clock()) / 1_000_000)
        self._wake.clear()
        if self._pending or self._stopping:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass
        if self._pending or self._checkpoint_due_at is None:
            return
        if self.clock() >= self._checkpoint_due_at:
            try:
                self._witness(await checkpoint_if_due(self.store, signer=self.signer, now_us=self.clock()))
                self._checkpoint_due_at = None
            except Exception as exc:
                log.error("checkpoint failed; retrying", error=type(exc).__name__)
                self._checkpoint_due_at = self.clock() + self.checkpoint_interval_us

    def _fail_waiters(self, exc: Exception) -> None:
        for _draft, future in self._pending:
            if future is not None and not future.done():
                future.set_exception(exc)
        for _target, barrier in self._barriers:
            if not barrier.done():
                barrier.set_exception(exc)
        self._pending.clear()
        self._barriers.clear()

    def _release_barriers(self) -> None:
        remaining = []
        for target, future in self._barriers:
            if self._committed >= target:
                if not future.done():
                    future.set_result(None)
            else:
                remaining.append((target, future))
        self._barriers = remaining
