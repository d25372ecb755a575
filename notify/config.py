"""What notify/ reads from the settings: one frozen struct, built once (NotifyConfig.of)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from colo.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Standard Webhooks' suggested schedule: the gap before attempt 2, 3, …; ~27 h in all (≥ 24 h).
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=10),
)
MAX_RESPONSE_BYTES = 64 * 1024  # what an endpoint's answer may make us read; the rest is dropped
SECRET_OVERLAP = timedelta(hours=24)  # a rotated secret keeps signing this long beside the new one


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    allow_networks: tuple[Network, ...] = ()
    timeout: float = 5.0
    disable_after: timedelta = timedelta(hours=72)
    retry_schedule: tuple[timedelta, ...] = RETRY_SCHEDULE
    max_response_bytes: int = MAX_RESPONSE_BYTES
    interval: float = 0.25  # seconds between dispatcher passes when idle
    batch: int = 100  # events or deliveries one pass claims

    @classmethod
    def of(cls, settings: Settings) -> NotifyConfig:
        return cls(allow_networks=tuple(ipaddress.ip_network(n) for n in settings.webhook_allow_networks),
                   timeout=settings.webhook_timeout,
                   disable_after=timedelta(hours=settings.webhook_disable_after_hours))
