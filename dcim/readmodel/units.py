"""A rack's units as one string, one character per unit from its starting unit upwards. Pure.

NetBox's elevation lists half-units and marks only devices as occupying them; reservations
never show as occupied there. Colo folds both into whole units: a unit is taken when any
part of it holds a device, and sellable only when it is neither occupied nor reserved.
"""

from __future__ import annotations

from collections.abc import Iterable

FREE, OCCUPIED, RESERVED, BOTH = ".", "o", "r", "x"


def unit_states(*, u_height: int, starting_unit: int, devices: Iterable[tuple[float, float]],
                reserved: Iterable[int]) -> str:
    """devices: (position, height in U) of rack-mounted devices; reserved: reserved unit numbers."""
    occupied = [False] * u_height
    for position, height in devices:
        if height <= 0:
            continue  # 0U kit (vertical PDUs) takes no units
        for i in range(u_height):
            unit = starting_unit + i
            if position < unit + 1 and position + height > unit:
                occupied[i] = True
    held = [False] * u_height
    for unit in reserved:
        if starting_unit <= unit < starting_unit + u_height:
            held[unit - starting_unit] = True
    return "".join(BOTH if o and r else OCCUPIED if o else RESERVED if r else FREE
                   for o, r in zip(occupied, held, strict=True))


def free_runs(states: str, starting_unit: int = 1) -> list[tuple[int, int]]:
    """Maximal runs of free units as (first unit, length), bottom up."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, state in enumerate(states + OCCUPIED):  # sentinel closes the last run
        if state == FREE and start is None:
            start = i
        elif state != FREE and start is not None:
            runs.append((starting_unit + start, i - start))
            start = None
    return runs


def max_free_run(states: str) -> int:
    return max((length for _first, length in free_runs(states)), default=0)


def counts(states: str) -> dict[str, int]:
    return {"free": states.count(FREE), "occupied": states.count(OCCUPIED) + states.count(BOTH),
            "reserved": states.count(RESERVED) + states.count(BOTH)}


def tightest_run(runs: Iterable[tuple[int, int]], units: int) -> tuple[int, int] | None:
    """The placement rule, shared by capacity search and orders: of the free runs (first unit,
    length) that hold `units`, the shortest, bottom-most on ties — large runs stay whole for large
    orders. The placement is the run's bottom `units` units."""
    best: tuple[int, int] | None = None
    for first, length in runs:
        if length >= units and (best is None or length < best[1]):
            best = (first, length)
            if length == units:
                break
    return best
