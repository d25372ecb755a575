"""The service desk's settings in one typed value, made from colo.settings once at start-up and
handed to the services (which never read the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from colo.settings import Settings
from servicedesk.sla import SlaTargets
from servicedesk.status import Priority, SchedulingClass


@dataclass(frozen=True, slots=True)
class ServiceDeskConfig:
    sla: SlaTargets
    reopen_days: int
    attachments_dir: Path
    attachment_max_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> ServiceDeskConfig:
        return cls(
            sla=SlaTargets(
                hands={SchedulingClass(name): timedelta(minutes=m) for name, m in settings.sla_hands_minutes},
                trouble={Priority(name): timedelta(minutes=m) for name, m in settings.sla_trouble_minutes},
                scheduled_grace=timedelta(minutes=settings.sla_scheduled_grace_minutes),
                warn_percent=settings.sla_warn_percent),
            reopen_days=settings.servicedesk_reopen_days,
            attachments_dir=Path(settings.attachments_dir),
            attachment_max_bytes=settings.attachment_max_bytes,
        )
