"""Cabling reconciliation: NetBox's cables, reservations and feeds against Colo's orders.

Reports what no order accounts for (undocumented installations), what an order expects but
NetBox no longer has or has differently (vanished, changed, tenant drift), and what NetBox
still holds for orders that ended. Each finding's id is a hash of its facts, so the same
discrepancy keeps the same id from run to run and a fixed one disappears.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from colo.errors import ValidationFailed
from dcim.netbox.provisioning import CableLive, FeedLive, PlantSnapshot, Provisioner, Reservation
from dcim.netbox.sites import site_exists
from dcim.orders.states import EXPECTS_NETBOX, TERMINAL, OrderState
from dcim.orders.store import as_dict
from dcim.orders.tables import Order

# Cables that touch only rear ports are the facility's trunks (structured cabling), not services.
TRUNK_ONLY = frozenset({"dcim.rearport"})
# While an order is being built or has failed half-way, partial objects are expected.
IN_FLIGHT = frozenset({OrderState.PROVISIONING, OrderState.FAILED})
SEVERITY = {
    "undocumented_cable": "high", "undocumented_reservation": "medium", "undocumented_feed": "medium",
    "unknown_order": "high", "orphaned_object": "high", "vanished_object": "high",
    "changed_object": "high", "tenant_drift": "medium",
}


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    kind: str
    severity: str
    object_type: str
    object_id: int | None
    order_id: str | None
    detail: str
    facts: dict[str, Any]


@dataclass(slots=True)
class Report:
    generated_at: datetime
    checked: dict[str, int]  # how many reservations, feeds, cables and orders were compared
    by_kind: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def count_by_kind(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in findings:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return counts


def finding(kind: str, object_type: str, object_id: int | None, order_id: str | None, detail: str,
            **facts: Any) -> Finding:
    """A finding whose id is the hash of what it states (not of when it was seen)."""
    stated = {"kind": kind, "object_type": object_type, "object_id": object_id, "order_id": order_id, "facts": facts}
    digest = hashlib.sha256(json.dumps(stated, sort_keys=True, default=str).encode()).hexdigest()
    return Finding(id=digest[:16], kind=kind, severity=SEVERITY[kind], object_type=object_type,
                   object_id=object_id, order_id=order_id, detail=detail, facts=facts)


def _order_object_findings(obj_type: str, obj_id: int, order_id: str, orders: dict[str, dict[str, Any]],
                           tenant_id: int | None) -> list[Finding]:
    order = orders.get(order_id)
    if order is None:
        return [finding("unknown_order", obj_type, obj_id, order_id,
                        f"{obj_type} {obj_id} names Colo order {order_id}, which does not exist")]
    state = OrderState(order["state"])
    if state in TERMINAL or state not in (EXPECTS_NETBOX | IN_FLIGHT):
        return [finding("orphaned_object", obj_type, obj_id, order_id,
                        f"{obj_type} {obj_id} still exists but its order is {state.value}", state=state.value)]
    if tenant_id != order["netbox_tenant_id"]:
        return [finding("tenant_drift", obj_type, obj_id, order_id,
                        f"{obj_type} {obj_id} is assigned to NetBox tenant {tenant_id}, "
                        f"its order to {order['netbox_tenant_id']}",
                        netbox_tenant=tenant_id, order_tenant=order["netbox_tenant_id"])]
    return []


def compare(snapshot: PlantSnapshot, orders: Iterable[dict[str, Any]]) -> list[Finding]:
    """Pure comparison; `orders` are rows of the orders table (any state)."""
    by_id = {str(o["id"]): o for o in orders}
    found: list[Finding] = []
    seen: dict[str, set[int]] = {"reservation": set(), "feed": set(), "cable": set()}
    for res in snapshot.reservations:
        found += _reservation(res, by_id, seen["reservation"])
    for feed in snapshot.feeds:
        found += _feed(feed, by_id, seen["feed"])
    for cable in snapshot.cables:
        found += _cable(cable, by_id, seen["cable"])
    for order in by_id.values():
        if OrderState(order["state"]) in EXPECTS_NETBOX:
            found += _vanished(order, seen)
    return sorted(found, key=lambda f: (f.kind, f.object_type, f.object_id or 0, f.id))


def _reservation(res: Reservation, orders: dict[str, dict[str, Any]], seen: set[int]) -> list[Finding]:
    if res.colo_order_id is None:
        return [finding("undocumented_reservation", "reservation", res.id, None,
                        f"rack {res.rack_id} units {list(res.units)} are reserved with no Colo order",
                        rack_id=res.rack_id, units=list(res.units), netbox_tenant=res.tenant_id)]
    seen.add(res.id)
    issues = _order_object_findings("reservation", res.id, res.colo_order_id, orders, res.tenant_id)
    order = orders.get(res.colo_order_id)
    if order and not issues and OrderState(order["state"]) in EXPECTS_NETBOX:
        wanted = as_dict(order["spec"]).get("units_assigned", [])
        if sorted(wanted) != list(res.units) or order["rack_id"] != res.rack_id:
            issues.append(finding("changed_object", "reservation", res.id, res.colo_order_id,
                                  f"reservation {res.id} holds rack {res.rack_id} units {list(res.units)}; "
                                  f"the order has rack {order['rack_id']} units {wanted}",
                                  netbox_units=list(res.units), order_units=wanted, netbox_rack=res.rack_id))
    return issues


def _feed(feed: FeedLive, orders: dict[str, dict[str, Any]], seen: set[int]) -> list[Finding]:
    if feed.colo_order_id is None:
        if feed.tenant_id is None:
            return []  # the facility's own supply feed
        return [finding("undocumented_feed", "feed", feed.id, None,
                        f"feed {feed.name} is assigned to NetBox tenant {feed.tenant_id} with no Colo order",
                        netbox_tenant=feed.tenant_id, rack_id=feed.rack_id)]
    seen.add(feed.id)
    issues = _order_object_findings("feed", feed.id, feed.colo_order_id, orders, feed.tenant_id)
    order = orders.get(feed.colo_order_id)
    if order and not issues and OrderState(order["state"]) in EXPECTS_NETBOX and feed.rack_id != order["rack_id"]:
        issues.append(finding("changed_object", "feed", feed.id, feed.colo_order_id,
                              f"feed {feed.name} now feeds rack {feed.rack_id}, the order rack {order['rack_id']}",
                              netbox_rack=feed.rack_id, order_rack=order["rack_id"]))
    return issues


def _cable(cable: CableLive, orders: dict[str, dict[str, Any]], seen: set[int]) -> list[Finding]:
    if cable.colo_order_id is None:
        if {kind for kind, _ in cable.ends} <= TRUNK_ONLY:
            return []
        return [finding("undocumented_cable", "cable", cable.id, None,
                        f"cable {cable.label or cable.id} connects {_ends(cable)} with no Colo order",
                        ends=[list(e) for e in cable.ends], label=cable.label, netbox_tenant=cable.tenant_id)]
    seen.add(cable.id)
    issues = _order_object_findings("cable", cable.id, cable.colo_order_id, orders, cable.tenant_id)
    order = orders.get(cable.colo_order_id)
    if order and not issues and OrderState(order["state"]) in EXPECTS_NETBOX:
        leg = cable.label.rsplit("-", 1)[-1]
        planned = next((lg for lg in as_dict(order["netbox"]).get("legs", []) if lg["name"] == leg), None)
        ports = sorted(obj_id for _kind, obj_id in cable.ends)
        if planned is not None and ports != sorted([planned["a"], planned["b"]]):
            issues.append(finding("changed_object", "cable", cable.id, cable.colo_order_id,
                                  f"cable {cable.label} ends on ports {ports}; the order laid it on "
                                  f"{sorted([planned['a'], planned['b']])} (port drift)",
                                  netbox_ports=ports, order_ports=sorted([planned["a"], planned["b"]])))
    return issues


def _vanished(order: dict[str, Any], seen: dict[str, set[int]]) -> list[Finding]:
    netbox, order_id = as_dict(order["netbox"]), str(order["id"])
    expected = {
        "reservation": [netbox["reservation_id"]] if netbox.get("reservation_id") else [],
        "feed": netbox.get("feed_ids", []), "cable": netbox.get("cable_ids", []),
    }
    return [finding("vanished_object", kind, obj_id, order_id,
                    f"{kind} {obj_id} of {order['kind']} order {order_id} ({order['state']}) is gone from NetBox")
            for kind, ids in expected.items() for obj_id in ids if obj_id not in seen[kind]]


def _ends(cable: CableLive) -> str:
    return " ↔ ".join(f"{kind.split('.')[-1]} {obj_id}" for kind, obj_id in cable.ends)


async def reconcile(*, provisioner: Provisioner, site_id: int | None = None) -> Report:
    """Read NetBox (one snapshot) and every order, then compare. No transaction is held."""
    if site_id is not None and not await site_exists(provisioner.gateway, site_id):
        raise ValidationFailed("site_id", "no NetBox site has this id")
    await provisioner.ensure_schema()
    snapshot = await provisioner.snapshot(site_id=site_id)
    orders = await Order.select(Order.id, Order.kind, Order.state, Order.spec, Order.netbox, Order.rack_id,
                                Order.netbox_tenant_id)
    report = Report(generated_at=datetime.now(UTC), checked={
        "reservations": len(snapshot.reservations), "feeds": len(snapshot.feeds),
        "cables": len(snapshot.cables), "orders": len(orders),
    })
    report.findings = compare(snapshot, orders)
    if site_id is not None:  # objects elsewhere were not read: their absence proves nothing
        report.findings = [f for f in report.findings if f.kind != "vanished_object"]
    report.by_kind = count_by_kind(report.findings)
    return report


def log_fields(item: Finding) -> dict[str, Any]:
    """What an access-log entry of this finding says (the caller adds who, when, request id)."""
    objects = {"finding": item.id, "netbox": f"{item.object_type}:{item.object_id}"}
    if item.order_id:
        objects["order"] = item.order_id
    return {"action": "reconcile_finding", "outcome": "recorded", "objects": objects,
            "detail": f"{item.kind} ({item.severity}): {item.detail}"[:256]}


def as_json(report: Report) -> dict[str, Any]:
    return {"generated_at": report.generated_at.isoformat(), "checked": report.checked,
            "by_kind": report.by_kind, "findings": [asdict(f) for f in report.findings]}
