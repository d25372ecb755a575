"""Pure colocation rules for orders: picking contiguous units, power headroom, circuit sizes.

No I/O here: the service feeds in the live NetBox state and Colo's own commitments. Power
figures come from the one power model (dcim.power); units are picked by the same tightest-fit
rule capacity search ranks by (dcim.readmodel.units.tightest_run).
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from colo.errors import Conflict, ValidationFailed
from dcim.power import available_va, w_to_kw
from dcim.readmodel.units import tightest_run


def _free_runs(units: list[int], unavailable: Set[int]) -> list[tuple[int, int]]:
    """Runs of free, consecutive units as (first unit, length), bottom up."""
    runs: list[tuple[int, int]] = []
    for unit in units:
        if unit in unavailable:
            continue
        if runs and runs[-1][0] + runs[-1][1] == unit:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((unit, 1))
    return runs


def pick_units(
    *, all_units: Iterable[int], unavailable: Set[int], count: int, position: int | None,
    prefer: int | None = None,
) -> list[int]:
    """`count` contiguous free units: at `position` when the client named one; else at `prefer`
    (where capacity search placed the order) while those units are still free; else the bottom
    of the tightest free run that holds them (the rule search ranks by).

    Raises Conflict naming the taken units (explicit position) or the largest free block.
    """
    units = sorted(all_units)
    if position is not None:
        wanted = list(range(position, position + count))
        if wanted[0] not in units or wanted[-1] not in units:
            raise ValidationFailed(
                "position", f"units {wanted[0]}-{wanted[-1]} do not fit in a rack of units "
                f"{units[0]}-{units[-1]}",
            )
        taken = sorted(set(wanted) & set(unavailable))
        if taken:
            raise Conflict(f"units {taken} of this rack are already taken", taken_units=taken,
                           requested_units=wanted)
        return wanted
    runs = _free_runs(units, unavailable)
    if prefer is not None and any(first <= prefer and prefer + count <= first + length for first, length in runs):
        return list(range(prefer, prefer + count))
    best = tightest_run(runs, count)
    if best is not None:
        return list(range(best[0], best[0] + count))
    largest = max((length for _first, length in runs), default=0)
    raise Conflict(
        f"no {count} contiguous free units in this rack (largest free block: {largest})",
        requested_units=count, largest_free_block=largest,
    )


def check_headroom(*, requested_w: int, sellable: int, committed_w: int, scope: str) -> None:
    """Refuse an over-sell with the numbers a human needs to understand it (kW)."""
    available = max(sellable - committed_w, 0)
    if requested_w > available:
        raise Conflict(
            f"{scope} cannot carry {w_to_kw(requested_w):g} kW more: "
            f"{w_to_kw(available):g} kW available of {w_to_kw(sellable):g} kW sellable, "
            f"{w_to_kw(committed_w):g} kW already committed",
            requested_kw=w_to_kw(requested_w), available_kw=w_to_kw(available),
            committed_kw=w_to_kw(committed_w), sellable_kw=w_to_kw(sellable), scope=scope,
        )


def check_circuit_size(*, requested_w: int, voltage: int, amperage: int, phase: str,
                       max_utilization: int = 80) -> int:
    """The ordered circuit must carry the ordered load (derated); returns its capacity in W."""
    capacity = available_va(voltage=voltage, amperage=amperage, max_utilization=max_utilization, phase=phase)
    if requested_w > capacity:
        raise ValidationFailed(
            "kw", f"a {voltage} V / {amperage} A {phase} circuit carries at most "
            f"{w_to_kw(capacity):g} kW at {max_utilization} % utilisation",
            circuit_capacity_kw=w_to_kw(capacity),
        )
    return capacity
