"""The service desk in a running app: its settings, and the sweep that raises SLA alerts every
SWEEP_INTERVAL seconds (started and stopped by the app's lifespan, api/plugin.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from colo import periodic
from colo.leader import Gate, always
from colo.logging import get_logger
from servicedesk.alerts import sweep
from servicedesk.config import ServiceDeskConfig

SWEEP_INTERVAL = 60.0
log = get_logger(__name__)


class ServiceDeskRuntime:
    def __init__(self, config: ServiceDeskConfig, *, interval: float = SWEEP_INTERVAL, run_loop: bool = True,
                 leads: Gate = always) -> None:
        self.config = config
        self.interval = interval
        # The sweep is a cluster-wide singleton (colo/leader.py): it passes unless `leads()`.
        self.run_loop, self.leads = run_loop, leads
        self.task: asyncio.Task[None] | None = None

    async def sweep(self, *, now: datetime | None = None) -> int:
        return await sweep(config=self.config, now=now)

    async def start(self) -> None:
        if self.run_loop:
            self.task = periodic.start(self.interval, self.sweep, name="servicedesk-sla-sweep",
                                       failed="service-desk SLA sweep failed", leads=self.leads)

    async def stop(self) -> None:
        await periodic.stop(self.task)
