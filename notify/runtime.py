"""Notifications in a running app (or in `colo notify run`): the dispatcher looping over the
outbox and the due deliveries, started and stopped by the app's lifespan (api/plugin.py).

Several processes may each run one: rows are claimed with SKIP LOCKED (notify/dispatcher.py).
"""

from __future__ import annotations

import asyncio

from colo import periodic
from colo.logging import get_logger
from colo.mail import Mailer
from notify.config import NotifyConfig
from notify.dispatcher import Dispatcher
from notify.outbound import new_client

log = get_logger(__name__)


class NotifyRuntime:
    def __init__(self, config: NotifyConfig, *, master_key: bytes, run_loop: bool = True,
                 mailer: Mailer | None = None, facility: str = "Colo") -> None:
        self.config = config
        self.client = new_client(config.timeout)
        self.dispatcher = Dispatcher(config, master_key=master_key, client=self.client, mailer=mailer,
                                     facility=facility)
        self.run_loop = run_loop  # test runs drive `dispatcher.run_once` themselves, with their own `now`
        self.task: asyncio.Task[None] | None = None

    async def run_forever(self) -> None:
        while True:
            try:
                found = await self.dispatcher.run_once()
            except Exception as exc:  # the next pass retries; never take the app down
                log.error("notification pass failed", error=type(exc).__name__)
                found = 0
            if not found:
                await asyncio.sleep(self.config.interval)

    async def start(self) -> None:
        if self.run_loop:
            self.task = asyncio.create_task(self.run_forever(), name="notify-dispatcher")

    async def stop(self) -> None:
        await periodic.stop(self.task)
        await self.client.aclose()
