"""The audience of a notice: dcim/impact.py works the impact out from the plant, notify/ stores
and tells it. notify/ may not import dcim/, so this module — in the layer above both — converts
the notice's targets into dcim's and each tenant's impact into notify's `Audience`."""

from __future__ import annotations

import msgspec

from dcim.impact import PlantTargets, compute_impact
from notify.notices import Audience, NoticeTargets


async def audience_of(targets: NoticeTargets) -> list[Audience]:
    impacts = await compute_impact(msgspec.convert(msgspec.to_builtins(targets), PlantTargets))
    return msgspec.convert(msgspec.to_builtins(impacts), list[Audience])
