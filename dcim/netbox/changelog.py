"""NetBox's changelog, read to tell whether its webhooks reach Colo.

A webhook that never arrives (no NetBox worker, a URL NetBox cannot reach) is silent on both
sides. NetBox's changelog is the witness: every change of a watched object type should have been
announced to Colo by a webhook. This module only reads it; judging is the read model's job
(dcim/readmodel/webhook_health.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dcim.netbox.gateway import NetBoxGateway

PAGE = 1000


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    time: datetime
    object_type: str  # e.g. "dcim.rack"
    object_id: int | None
    action: str


def _parse(raw: dict[str, Any]) -> Change:
    action = raw.get("action")
    return Change(
        id=int(raw["id"]), time=datetime.fromisoformat(str(raw["time"]).replace("Z", "+00:00")),
        object_type=str(raw.get("changed_object_type") or ""), object_id=raw.get("changed_object_id"),
        action=str(action.get("value") if isinstance(action, dict) else action or ""),
    )


async def latest_changes(gateway: NetBoxGateway, *, object_types: list[str],
                         before: datetime | None = None) -> tuple[Change | None, Change | None]:
    """The newest change of any of `object_types`, and the newest one at or before `before`
    (two small requests, plus one to map type names to NetBox's object-type ids)."""

    def read(api: Any) -> tuple[Change | None, Change | None]:
        wanted = set(object_types)
        type_ids = [t.id for t in api.core.object_types.filter(limit=PAGE, fields="id,app_label,model")
                    if f"{t.app_label}.{t.model}" in wanted]
        if not type_ids:
            return None, None
        base = {"changed_object_type_id": type_ids, "ordering": "-time", "limit": 1, "offset": 0,
                "fields": "id,time,changed_object_type,changed_object_id,action"}
        newest = next(iter(api.core.object_changes.filter(**base)), None)
        due = newest
        if before is not None and newest is not None:
            due = next(iter(api.core.object_changes.filter(**base, time_before=before.isoformat())), None)
        return (_parse(dict(newest)) if newest is not None else None,
                _parse(dict(due)) if due is not None else None)

    return await gateway.call(read, what="read NetBox's changelog")
