"""Pure colocation rules for orders: picking contiguous units, power headroom, circuit sizes.

No I/O here: the service feeds in the live NetBox state and Colo's own commitments.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from colo.errors import Conflict, ValidationFailed
from dcim.power import available_va

# Power orders are expressed in kW and stored in whole watts; VA counts as W (power factor 1,
# the same simplification NetBox makes in its utilisation figures).
WATTS_PER_KW = 1000


def feed_available_va(*, voltage: int, amperage: int, max_utilization: int, phase: str) -> int:
    """NetBox's formula (dcim.power.available_va): 230 V x 16 A x 80 % = 2944."""
    return available_va(voltage=voltage, amperage=amperage, phase=phase, max_utilization=max_utilization)


def pick_units(
    *, all_units: Iterable[int], unavailable: Set[int], count: int, position: int | None,
) -> list[int]:
    """`count` contiguous free units: starting at `position` when given, else the lowest block.

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
    run: list[int] = []
    largest = 0
    for unit in units:
        if unit in unavailable:
            run = []
            continue
        run.append(unit)
        largest = max(largest, len(run))
        if len(run) == count:
            return run
    raise Conflict(
        f"no {count} contiguous free units in this rack (largest free block: {largest})",
        requested_units=count, largest_free_block=largest,
    )


@dataclass(frozen=True, slots=True)
class SupplyFeed:
    """A rack's upstream feed as far as power selling is concerned."""

    feed_id: int
    side: str  # "a" (primary) | "b" (redundant)
    available_w: int


def sellable_w(feeds: Iterable[SupplyFeed], *, redundant: bool) -> int:
    """What a rack can sell. With A and B sides, each side must carry the whole load alone,
    so the sellable figure is the weaker side; a redundant order needs both sides."""
    sides = {"a": 0, "b": 0}
    for feed in feeds:
        sides[feed.side] += feed.available_w
    if sides["a"] and sides["b"]:
        return min(sides["a"], sides["b"])
    if redundant:
        return 0  # no B side (or no A side): nothing can be sold as A+B redundant
    return max(sides.values())


def check_headroom(*, requested_w: int, sellable: int, committed_w: int, scope: str) -> None:
    """Refuse an over-sell with the numbers a human needs to understand it (kW)."""
    available = max(sellable - committed_w, 0)
    if requested_w > available:
        raise Conflict(
            f"{scope} cannot carry {requested_w / WATTS_PER_KW:g} kW more: "
            f"{available / WATTS_PER_KW:g} kW available of {sellable / WATTS_PER_KW:g} kW sellable, "
            f"{committed_w / WATTS_PER_KW:g} kW already committed",
            requested_kw=requested_w / WATTS_PER_KW, available_kw=available / WATTS_PER_KW,
            committed_kw=committed_w / WATTS_PER_KW, sellable_kw=sellable / WATTS_PER_KW, scope=scope,
        )


def check_circuit_size(*, requested_w: int, voltage: int, amperage: int, phase: str,
                       max_utilization: int = 80) -> int:
    """The ordered circuit must carry the ordered load (derated); returns its capacity in W."""
    capacity = feed_available_va(voltage=voltage, amperage=amperage, max_utilization=max_utilization,
                                 phase=phase)
    if requested_w > capacity:
        raise ValidationFailed(
            "kw", f"a {voltage} V / {amperage} A {phase} circuit carries at most "
            f"{capacity / WATTS_PER_KW:g} kW at {max_utilization} % utilisation",
            circuit_capacity_kw=capacity / WATTS_PER_KW,
        )
    return capacity
