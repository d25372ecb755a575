"""What to read from a PDU, per vendor MIB: a table of columns, not code. A second vendor is a
second `VendorMib` entry (its table OIDs and scales), never a second poller.

APC PowerNet-MIB rPDU2 (enterprise 318, rPDU2 = .1.3.6.1.4.1.318.1.1.26), all read-only integers:
- rPDU2DeviceStatusPower   .4.3.1.5   hundredths of kW (the whole PDU)
- rPDU2DeviceStatusEnergy  .4.3.1.9   tenths of kWh (cumulative since the counter was last reset)
- rPDU2PhaseStatusCurrent  .6.3.1.5   tenths of A, row = phase
- rPDU2PhaseStatusPower    .6.3.1.7   hundredths of kW, row = phase
- rPDU2SensorTempHumidityStatusTempC            .10.2.2.1.8   tenths of °C, row = probe
- rPDU2SensorTempHumidityStatusRelativeHumidity .10.2.2.1.10  %, row = probe
"""

from __future__ import annotations

from dataclasses import dataclass

from metering.status import SENSOR_CHANNEL_BASE, TOTAL_CHANNEL, Metric


@dataclass(frozen=True, slots=True)
class Column:
    """A table column to walk: each row's index becomes a channel (offset + index), each value
    times `scale` is the metric in Colo's units. `single` columns are read at row 1 only."""

    oid: str
    metric: Metric
    scale: float
    channel_offset: int = 0
    single: bool = False  # the device table: one row, channel 0 (the whole PDU)


@dataclass(frozen=True, slots=True)
class VendorMib:
    name: str
    columns: tuple[Column, ...]
    # An energy counter's width in its raw units: the value where it wraps back to 0.
    energy_wrap_raw: int = 2**32


APC = "1.3.6.1.4.1.318.1.1.26"
APC_RPDU2 = VendorMib(
    name="apc-rpdu2",
    columns=(
        Column(f"{APC}.4.3.1.5", Metric.POWER_W, 10.0, single=True),  # 0.01 kW = 10 W
        Column(f"{APC}.4.3.1.9", Metric.ENERGY_KWH, 0.1, single=True),
        Column(f"{APC}.6.3.1.5", Metric.CURRENT_A, 0.1),
        Column(f"{APC}.6.3.1.7", Metric.POWER_W, 10.0),
        Column(f"{APC}.10.2.2.1.8", Metric.TEMPERATURE_C, 0.1, channel_offset=SENSOR_CHANNEL_BASE),
        Column(f"{APC}.10.2.2.1.10", Metric.HUMIDITY_PCT, 1.0, channel_offset=SENSOR_CHANNEL_BASE),
    ),
)

VENDORS: dict[str, VendorMib] = {APC_RPDU2.name: APC_RPDU2}
DEFAULT_VENDOR = APC_RPDU2.name


def channel_of(column: Column, row_index: int) -> int:
    return TOTAL_CHANNEL if column.single else column.channel_offset + row_index
