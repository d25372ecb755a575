"""What to read from a PDU, per vendor MIB: a table of columns, not code. A second vendor is a
second `VendorMib` entry (its table OIDs and scales), never a second poller.

APC PowerNet-MIB rPDU2 (enterprise 318, rPDU2 = .1.3.6.1.4.1.318.1.1.26), all read-only integers:
- rPDU2DeviceStatusPower   .4.3.1.5   hundredths of kW, row = module (inlet)
- rPDU2DeviceStatusEnergy  .4.3.1.9   tenths of kWh (cumulative since the counter was last reset), row = module

Inlets: a PDU with two inlets on two feeds reports each inlet as an rPDU2 module — one row of the
device table each (power, energy) and its phases marked with their module number. Each inlet is
then its own meter (on its own feed); a PDU metered as one meter sums its modules.
- rPDU2PhaseStatusCurrent  .6.3.1.5   tenths of A, row = phase
- rPDU2PhaseStatusPower    .6.3.1.7   hundredths of kW, row = phase
- rPDU2PhaseStatusModule   .6.3.1.2   the phase row's module: its inlet (a dual-inlet PDU: 1 and 2)
- rPDU2PhaseStatusNumber   .6.3.1.3   the phase's number within its module
- rPDU2SensorTempHumidityStatusTempC            .10.2.2.1.8   tenths of °C, row = probe
- rPDU2SensorTempHumidityStatusRelativeHumidity .10.2.2.1.10  %, row = probe
"""

from __future__ import annotations

from dataclasses import dataclass

from metering.status import SENSOR_CHANNEL_BASE, Metric


@dataclass(frozen=True, slots=True)
class Column:
    """A table column to walk: each value times `scale` is the metric in Colo's units. A device
    column's rows are inlets (channel 0 of each inlet's meter), a phase column's rows phases
    (channel = phase number), a probe column's rows probes (channel = offset + row)."""

    oid: str
    metric: Metric
    scale: float
    channel_offset: int = 0
    table: str = "phase"  # device | phase | probe


@dataclass(frozen=True, slots=True)
class VendorMib:
    name: str
    columns: tuple[Column, ...]
    # An energy counter's width in its raw units: the value where it wraps back to 0.
    energy_wrap_raw: int = 2**32
    phase_inlet_oid: str = ""  # the phase table's column naming each row's inlet (module); "" = one inlet
    phase_number_oid: str = ""  # the phase table's column numbering each row's phase within its inlet
    max_rows: int = 6  # rows read per column in one GETBULK: 2 inlets x 3 phases, or 4 probes

    def oids(self) -> list[str]:
        extra = [oid for oid in (self.phase_inlet_oid, self.phase_number_oid) if oid]
        return [column.oid for column in self.columns] + extra

    def tables(self) -> dict[str, list[str]]:
        """Each table's columns to read per row (device, phase, probe), its key column first: the one
        whose rows say which rows the table has (for phases, the inlet column when there is one)."""
        found: dict[str, list[str]] = {}
        for column in self.columns:
            found.setdefault(column.table, []).append(column.oid)
        extra = [oid for oid in (self.phase_inlet_oid, self.phase_number_oid) if oid]
        if extra:
            found["phase"] = extra + found.get("phase", [])
        return found


APC = "1.3.6.1.4.1.318.1.1.26"
APC_RPDU2 = VendorMib(
    name="apc-rpdu2",
    columns=(
        Column(f"{APC}.4.3.1.5", Metric.POWER_W, 10.0, table="device"),  # 0.01 kW = 10 W
        Column(f"{APC}.4.3.1.9", Metric.ENERGY_KWH, 0.1, table="device"),
        Column(f"{APC}.6.3.1.5", Metric.CURRENT_A, 0.1),
        Column(f"{APC}.6.3.1.7", Metric.POWER_W, 10.0),
        Column(f"{APC}.10.2.2.1.8", Metric.TEMPERATURE_C, 0.1, channel_offset=SENSOR_CHANNEL_BASE, table="probe"),
        Column(f"{APC}.10.2.2.1.10", Metric.HUMIDITY_PCT, 1.0, channel_offset=SENSOR_CHANNEL_BASE, table="probe"),
    ),
    phase_inlet_oid=f"{APC}.6.3.1.2",
    phase_number_oid=f"{APC}.6.3.1.3",
)

VENDORS: dict[str, VendorMib] = {APC_RPDU2.name: APC_RPDU2}
DEFAULT_VENDOR = APC_RPDU2.name
