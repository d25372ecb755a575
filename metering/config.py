"""Metering's settings in one typed value, made from colo.settings once at start-up and handed to
the poller, the roll-ups and the alerts (which never read the environment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from colo.settings import Settings


@dataclass(frozen=True, slots=True)
class SnmpCredentials:
    """Colo's own SNMP credentials: the v2c community when a device names none, and the v3 user."""

    community: str = field(default="", repr=False)
    v3_user: str = ""
    v3_auth_key: str = field(default="", repr=False)
    v3_priv_key: str = field(default="", repr=False)
    v3_context: str = ""


@dataclass(frozen=True, slots=True)
class MeteringConfig:
    mode: str = "auto"  # auto | on | off
    interval: float = 60.0
    timeout: float = 2.0
    concurrency: int = 64
    pdu_roles: tuple[str, ...] = ("pdu",)
    credentials: SnmpCredentials = SnmpCredentials()
    feed_warning_pct: int = 80
    feed_critical_pct: int = 90
    temperature: tuple[float, float] = (18.0, 27.0)
    humidity: tuple[float, float] = (20.0, 60.0)
    silent_intervals: int = 3

    @property
    def gap_seconds(self) -> float:
        """Readings further apart than this leave a gap (stated in roll-ups and bills)."""
        return max(self.interval * self.silent_intervals, 300.0)

    @classmethod
    def of(cls, settings: Settings) -> MeteringConfig:
        return cls(
            mode=settings.metering, interval=settings.metering_interval, timeout=settings.metering_timeout,
            concurrency=settings.metering_concurrency, pdu_roles=settings.metering_pdu_roles,
            credentials=SnmpCredentials(community=settings.snmp_community, v3_user=settings.snmp_v3_user,
                                        v3_auth_key=settings.snmp_v3_auth_key,
                                        v3_priv_key=settings.snmp_v3_priv_key,
                                        v3_context=settings.snmp_v3_context),
            feed_warning_pct=settings.metering_feed_thresholds[0],
            feed_critical_pct=settings.metering_feed_thresholds[1],
            temperature=settings.metering_inlet_temperature, humidity=settings.metering_inlet_humidity,
            silent_intervals=settings.metering_silent_intervals,
        )

    def off(self) -> MeteringConfig:
        """The same settings with the poller not started (test runs poll explicitly)."""
        from dataclasses import replace

        return replace(self, mode="off")
