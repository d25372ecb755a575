"""What every handler may use (`request.services`, api/request.py), built once per app at start-up (never at import).

Each long-lived component is a typed field, not an entry in a string-keyed registry: a reader
names what it needs, and a component the app did not start is an error, never a quiet fallback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from piccolo.engine.base import Engine

from api.auth_throttle import AuthFailureThrottle
from audit.service import AccessLog
from colo.change_listener import ChangeListener
from colo.secretstore import Keys
from colo.settings import Settings
from dcim.netbox import NetBoxGateway
from dcim.orders.signed_grant import LoaPki
from dcim.orders.worker import OrdersRuntime
from dcim.readmodel.cache import ReadModelCache
from dcim.readmodel.refresher import ReadModelRefresher
from metering.runtime import MeteringRuntime
from notify.runtime import NotifyRuntime
from servicedesk.runtime import ServiceDeskRuntime
from siteaccess.runtime import SiteAccessRuntime
from tenants.events import TenantHooks
from tenants.key_cache import KeyCache
from tenants.ratelimit import RateLimiter

if TYPE_CHECKING:
    from api.controllers.health import Check


@dataclass(slots=True)
class Memo[T]:
    """One value remembered for `seconds`, loaded by one caller at a time (the others wait for it).

    /readyz asks NetBox for its status: two replicas probed twice a second would otherwise cost a
    NetBox that answers ~15 requests/s four of them, for an answer that changes rarely.
    """

    seconds: float
    value: T | None = None
    loaded_at: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self, load: Callable[[], Awaitable[T]]) -> T:
        async with self.lock:
            if self.value is None or time.monotonic() - self.loaded_at >= self.seconds:
                self.value = await load()
                self.loaded_at = time.monotonic()
            return self.value


# How long /readyz reuses its NetBox check (api/controllers/health.py).
NETBOX_PROBE_SECONDS = 5.0


class Stoppable(Protocol):
    async def stop(self) -> None: ...


@dataclass(slots=True)
class AppServices:
    settings: Settings
    keys: Keys
    engine: Engine[Any]
    netbox: NetBoxGateway
    # Built with the app (api/plugin.py). Tests swap `rate_limiter` (and the throttle's limiter)
    # for empty buckets: tests/conftest.py `fresh_rate_limits`, tests/security/conftest.py.
    rate_limiter: RateLimiter
    auth_throttle: AuthFailureThrottle
    # This app's tenant status hooks (tenants/events.py): its components register here.
    tenant_hooks: TenantHooks = field(default_factory=TenantHooks)
    # This app's LISTEN connection (colo/change_listener.py): NOTIFYs colo_auth and colo_generation
    # for the two caches below; listens from first use. The default listens to nothing.
    change_listener: ChangeListener = field(default_factory=lambda: ChangeListener("", ()))
    # API key rows kept briefly, emptied by NOTIFY colo_auth (tenants/key_cache.py).
    key_cache: KeyCache = field(default_factory=lambda: KeyCache(seconds=0.0))
    # This app's read-model query cache (dcim/readmodel/cache.py), passed to the plant views.
    read_cache: ReadModelCache = field(default_factory=ReadModelCache)
    # LOAs granted by certificate (dcim/orders/signed_grant.py); None without COLO_LOA_TRUST_LIST.
    loa_pki: LoaPki | None = None
    # /readyz's NetBox check, reused for NETBOX_PROBE_SECONDS (api/controllers/health.py).
    netbox_probe: Memo[Check] = field(default_factory=lambda: Memo(NETBOX_PROBE_SECONDS))
    # Started by the lifespan (api/plugin.py), in this order. Unset until then: reading one
    # before start-up raises AttributeError.
    access_log: AccessLog = field(init=False)
    site_access: SiteAccessRuntime = field(init=False)
    read_model: ReadModelRefresher = field(init=False)
    orders: OrdersRuntime = field(init=False)
    service_desk: ServiceDeskRuntime = field(init=False)  # its settings and the SLA alert sweep
    metering: MeteringRuntime = field(init=False)  # PDU discovery and polling, roll-ups, power alerts
    notify: NotifyRuntime = field(init=False)  # the outbox dispatcher: webhook deliveries (notify/)
    started: bool = False  # set once every component above is running

    def stoppable(self) -> list[tuple[str, Stoppable]]:
        """The components with a `stop`, in start order (the lifespan stops them in reverse)."""
        return [("rate_limiter", self.rate_limiter), ("change_listener", self.change_listener),
                ("access_log", self.access_log), ("site_access", self.site_access), ("read_model", self.read_model),
                ("orders", self.orders), ("service_desk", self.service_desk), ("metering", self.metering),
                ("notify", self.notify)]
