"""What every handler may depend on, built once per app at start-up (never at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.di import NamedDependency
from litestar.params import SkipValidation
from piccolo.engine.base import Engine

from colo.secretstore import Keys
from colo.settings import Settings
from dcim.netbox import NetBoxGateway


@dataclass(slots=True)
class AppServices:
    settings: Settings
    keys: Keys
    engine: Engine
    netbox: NetBoxGateway
    # Long-lived domain components (sequencer, rate limiter, read-model refresher) register here
    # by name at start-up, and stop in reverse order.
    components: dict[str, Any] = field(default_factory=dict)


# Handlers declare `services: Services`. Injected by name and not validated: it is our own object,
# and validating a large dataclass on every request would cost time for nothing.
Services = NamedDependency[SkipValidation[AppServices]]
