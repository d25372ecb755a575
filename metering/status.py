"""Choice sets of metering: what is measured, at what resolution, which flags a roll-up carries,
and the alert kinds. StrEnums, so the API, the tables and the CSV spell them the same way."""

from __future__ import annotations

from enum import StrEnum


class Metric(StrEnum):
    CURRENT_A = "current_a"  # per phase/inlet
    POWER_W = "power_w"  # active power; channel 0 = the whole PDU, 1.. = a phase
    ENERGY_KWH = "energy_kwh"  # the PDU's energy counter (cumulative)
    TEMPERATURE_C = "temperature_c"  # a probe (channel 100 + probe number)
    HUMIDITY_PCT = "humidity_pct"


class Resolution(StrEnum):
    FIVE_MINUTES = "5m"
    HOUR = "1h"
    DAY = "1d"

    @property
    def seconds(self) -> int:
        return {"5m": 300, "1h": 3600, "1d": 86400}[self.value]


class Flag(StrEnum):
    """Why a bucket's figures are not simply measured: stated on roll-ups and in the bill."""

    GAP = "gap"  # readings missing for longer than the gap threshold before this bucket's first one
    COUNTER_RESET = "counter_reset"  # the energy counter went down: restarted or wrapped
    METER_CHANGE = "meter_change"  # a meter's first reading (a new or replaced PDU): no delta yet


class MeterSource(StrEnum):
    SNMP = "snmp"
    PUSH = "push"  # a BMS posts its readings


class SnmpVersion(StrEnum):
    V2C = "v2c"
    V3 = "v3"  # authPriv: SHA + AES128


class AlertKind(StrEnum):
    FEED_WARNING = "feed_warning"  # above the first threshold of the feed's derated capacity
    FEED_CRITICAL = "feed_critical"  # above the second
    REDUNDANCY_AT_RISK = "redundancy_at_risk"  # A + B together more than one side can carry
    TENANT_OVER_CONTRACT = "tenant_over_contract"
    TEMPERATURE = "temperature"  # outside the configured (ASHRAE recommended) range
    HUMIDITY = "humidity"
    METER_SILENT = "meter_silent"  # no reading for N intervals


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


PHASE_CHANNELS = range(1, 4)
SENSOR_CHANNEL_BASE = 100  # a temperature/humidity probe n is channel 100 + n
TOTAL_CHANNEL = 0
