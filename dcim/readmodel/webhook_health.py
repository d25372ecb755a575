"""Are NetBox's webhooks reaching Colo? Judged from NetBox's changelog against the last webhook.

Without a NetBox worker (rqworker), or with a webhook URL NetBox cannot reach, no webhook
arrives and nobody is told: the read model silently lags until the next periodic sync. So each
periodic sync also reads NetBox's newest change of a watched object type that is older than the
grace period. If no webhook announced anything at or after it, webhooks are `not_arriving`.

Times are compared on NetBox's clock: a webhook's signed body carries NetBox's `timestamp`, the
changelog its `time`. A replayed old body carries its old timestamp, so it cannot make a dead
feed look alive. State lives in `dcim_sync_state` (every process and replica sees it); the last
verdict is also kept in the process for response freshness and metrics.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from prometheus_client import Gauge

from dcim.netbox.changelog import latest_changes
from dcim.netbox.gateway import NetBoxGateway
from dcim.tables import PlantSyncState

Status = Literal["arriving", "not_arriving", "unknown"]
WEBHOOK = "webhook"  # finished_at: NetBox's timestamp of the newest webhook received
CHANGE_DUE = "netbox_change"  # finished_at: newest watched change older than the grace period
CHANGE_NEWEST = "netbox_newest"  # finished_at: newest watched change at the last check
# A webhook's timestamp is taken when NetBox queues the event, after the change is saved, on the
# same clock as the changelog: no tolerance is needed (kept as a name for the comparison).
TOLERANCE = timedelta(0)
_last: dict[str, Status] = {"status": "unknown"}


@dataclass(frozen=True, slots=True)
class WebhookHealth:
    status: Status
    last_webhook_at: datetime | None
    last_change_at: datetime | None
    detail: str


def judge(*, last_webhook_at: datetime | None, due_change_at: datetime | None,
          newest_change_at: datetime | None, due_change: str = "") -> WebhookHealth:
    """Pure: `due_change_at` is the newest watched change older than the grace period."""
    if due_change_at is None:
        if newest_change_at is not None and last_webhook_at is not None \
                and last_webhook_at >= newest_change_at - TOLERANCE:
            return WebhookHealth("arriving", last_webhook_at, newest_change_at, "the newest change was announced")
        return WebhookHealth("unknown", last_webhook_at, newest_change_at,
                             "no change of a watched NetBox object is old enough to judge by yet")
    if last_webhook_at is not None and last_webhook_at >= due_change_at - TOLERANCE:
        return WebhookHealth("arriving", last_webhook_at, newest_change_at or due_change_at,
                             "NetBox announced its changes")
    since = f"since {last_webhook_at.isoformat()}" if last_webhook_at else "ever"
    return WebhookHealth(
        "not_arriving", last_webhook_at, newest_change_at or due_change_at,
        f"NetBox changed {due_change or 'a watched object'} at {due_change_at.isoformat()} and no webhook has "
        f"arrived {since}: check that NetBox's rqworker runs and that the webhook URL `colo netbox sync` "
        "registered reaches Colo (COLO_PUBLIC_URL)",
    )


async def _put(kind: str, at: datetime, detail: str = "", *, keep_newest: bool = False) -> None:
    row = await PlantSyncState.select(PlantSyncState.finished_at).where(PlantSyncState.kind == kind).first()
    if row is None:
        await PlantSyncState.insert(PlantSyncState(kind=kind, finished_at=at, detail=detail[:2000]))
    elif not keep_newest or row["finished_at"] is None or at > _aware(row["finished_at"]):
        await PlantSyncState.update({PlantSyncState.finished_at: at, PlantSyncState.detail: detail[:2000]}).where(
            PlantSyncState.kind == kind)


def _aware(moment: datetime) -> datetime:
    """SQLite may hand timestamps back without a zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _clear(kind: str) -> None:
    await PlantSyncState.delete().where(PlantSyncState.kind == kind)


def event_time(payload: dict[str, Any], *, received_at: datetime) -> datetime:
    """NetBox's `timestamp` of a webhook body; the receiving time when it has none."""
    raw = payload.get("timestamp")
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        parsed = None
    if parsed is None:
        return received_at
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def record_webhook(*, at: datetime, received_at: datetime) -> None:
    """A validly signed webhook arrived; `at` is NetBox's timestamp of its event."""
    await _put(WEBHOOK, at, f"received {received_at.isoformat()}", keep_newest=True)
    await current_health()  # this process's verdict (freshness, metrics) follows at once


async def check_webhooks(gateway: NetBoxGateway, *, grace_seconds: float, object_types: list[str],
                         now: datetime | None = None, since: datetime | None = None) -> WebhookHealth:
    """Read NetBox's changelog, store what it says, and judge (run after each periodic sync).

    `since`: when this Colo started. A change made while Colo was down could not be delivered
    (and the start-up sync read it anyway), so only later changes count against the webhooks.
    """
    moment = now or datetime.now(UTC)
    newest, due = await latest_changes(gateway, object_types=object_types,
                                       before=moment - timedelta(seconds=grace_seconds))
    if due is not None and since is not None and due.time < since:
        due = None
    for kind, change in ((CHANGE_NEWEST, newest), (CHANGE_DUE, due)):
        if change is None:
            await _clear(kind)
        else:
            await _put(kind, change.time, f"{change.action} {change.object_type} #{change.object_id} "
                                          f"(changelog {change.id})")
    return await current_health()


async def current_health() -> WebhookHealth:
    """The verdict from the stored state (no NetBox call): for /readyz, metrics and freshness."""
    rows = {r["kind"]: r for r in await PlantSyncState.select(
        PlantSyncState.kind, PlantSyncState.finished_at, PlantSyncState.detail).where(
        PlantSyncState.kind.is_in([WEBHOOK, CHANGE_DUE, CHANGE_NEWEST]))}

    def at(kind: str) -> datetime | None:
        return _aware(rows[kind]["finished_at"]) if kind in rows and rows[kind]["finished_at"] else None

    health = judge(last_webhook_at=at(WEBHOOK), due_change_at=at(CHANGE_DUE), newest_change_at=at(CHANGE_NEWEST),
                   due_change=rows[CHANGE_DUE]["detail"] if CHANGE_DUE in rows else "")
    _remember(health)
    return health


def _remember(health: WebhookHealth) -> None:
    _last["status"] = health.status
    metrics = _metrics()
    metrics["arriving"].set({"arriving": 1, "not_arriving": 0}.get(health.status, -1))
    if health.last_webhook_at is not None:
        metrics["last_webhook"].set(health.last_webhook_at.timestamp())
    if health.last_change_at is not None:
        metrics["last_change"].set(health.last_change_at.timestamp())


def last_known_status() -> Status:
    """This process's latest verdict (shown in every read answer's freshness)."""
    return _last["status"]


@functools.cache
def _metrics() -> dict[str, Gauge]:
    """Created on first use, not at import (prometheus_client registers them globally)."""
    return {
        "arriving": Gauge("colo_netbox_webhooks_arriving",
                          "1 when NetBox's webhooks reach Colo, 0 when changes go unannounced, -1 unknown"),
        "last_webhook": Gauge("colo_netbox_webhook_last_event_timestamp_seconds",
                              "NetBox's timestamp of the newest webhook Colo received"),
        "last_change": Gauge("colo_netbox_last_change_timestamp_seconds",
                             "newest change of a watched object in NetBox's changelog at the last check"),
    }
