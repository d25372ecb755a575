"""A client load for the cluster tests: writers ordering rack space with an Idempotency-Key each,
readers listing and reading orders, all through the proxy, every answer recorded.

A writer behaves like a careful API client: an answer that says "try again" (502, 503, 504 from
the proxy, or a dropped connection) makes it repeat the same request with the same key until it
gets a 2xx; anything else is recorded as a wrong answer and the write abandoned.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.cluster.harness import space_order

RETRIABLE = frozenset({502, 503, 504})
UNITS_PER_RACK = 40


@dataclass
class LoadRecord:
    answers: Counter[str] = field(default_factory=Counter)  # "201", "200", "502", "ConnectError", …
    wrong: list[str] = field(default_factory=list)  # every answer a client must never see
    acked: dict[str, str] = field(default_factory=dict)  # Idempotency-Key → order id of a 2xx
    slowest_write: float = 0.0  # seconds from the first attempt to the 2xx, retries included

    def note(self, what: str, text: str = "") -> None:
        self.answers[what] += 1
        retriable = not what.isdigit() or what.startswith("2") or int(what) in RETRIABLE  # not digits: no answer
        if not retriable:
            self.wrong.append(f"{what}: {text[:300]}")


@dataclass
class Load:
    http: httpx.AsyncClient
    headers: dict[str, str]
    racks: list[int]
    run: str  # makes the keys of this load unique
    record: LoadRecord = field(default_factory=LoadRecord)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _next: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def capacity(self) -> int:
        return len(self.racks) * UNITS_PER_RACK

    async def _write(self, number: int) -> None:
        """Order unit `number` (each write its own rack unit, so no two writes conflict) until a 2xx."""
        rack, position = self.racks[number % len(self.racks)], number // len(self.racks) + 1
        key = f"{self.run}-{number}"
        started = time.monotonic()
        while True:
            try:
                answer = await self.http.post("/v1/orders", json=space_order(rack, position),
                                              headers={**self.headers, "Idempotency-Key": key})
            except httpx.TransportError as exc:
                self.record.note(type(exc).__name__)
                await asyncio.sleep(0.2)
                continue
            self.record.note(str(answer.status_code), answer.text)
            if answer.status_code in (200, 201):
                order_id = answer.json()["id"]
                assert self.record.acked.setdefault(key, order_id) == order_id, "one key, two orders"
                self.record.slowest_write = max(self.record.slowest_write, time.monotonic() - started)
                return
            if answer.status_code not in RETRIABLE:
                return
            await asyncio.sleep(0.2)

    async def writer(self) -> None:
        while not self.stopping.is_set():
            number = next(self._next)
            if number >= self.capacity:
                return
            await self._write(number)

    async def reader(self) -> None:
        while not self.stopping.is_set():
            for path in ["/v1/orders?limit=20", *[f"/v1/orders/{i}" for i in list(self.record.acked.values())[-3:]]]:
                try:
                    answer = await self.http.get(path, headers=self.headers)
                except httpx.TransportError as exc:
                    self.record.note(type(exc).__name__)
                    continue
                self.record.note(str(answer.status_code), answer.text)
            await asyncio.sleep(0.05)

    async def until(self, acked: int, *, within: float) -> None:
        """Wait until `acked` writes in all have been acknowledged."""
        deadline = time.monotonic() + within
        while len(self.record.acked) < acked:
            assert time.monotonic() < deadline, f"only {len(self.record.acked)} of {acked} writes acknowledged " \
                                                f"within {within} s: {self.record.answers}"
            await asyncio.sleep(0.1)
