"""The app's long-lived components are typed fields of AppServices, filled by the lifespan: a
reader names what it needs, and a component the app never started is an error, not a quiet
substitute (orders once built a second Provisioner when its runtime was missing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.auth_throttle import AuthFailureThrottle
from audit.service import AccessLog
from colo.settings import Settings
from dcim.netbox.provisioning import Provisioner
from dcim.orders.worker import HOOK_NAME, OrdersRuntime
from dcim.readmodel.refresher import ReadModelRefresher
from metering.runtime import MeteringRuntime
from notify.runtime import NotifyRuntime
from servicedesk.runtime import ServiceDeskRuntime
from siteaccess.hooks import HOOK_NAME as SITE_ACCESS_HOOK
from siteaccess.runtime import SiteAccessRuntime
from tenants.ratelimit import RateLimiter


async def test_the_lifespan_fills_every_component_and_stops_them_from_one_list(
    app: Litestar, client: AsyncTestClient,
) -> None:
    services = app.state.services
    assert services.started
    assert isinstance(services.rate_limiter, RateLimiter)
    assert isinstance(services.auth_throttle, AuthFailureThrottle)
    assert isinstance(services.access_log, AccessLog)
    assert isinstance(services.site_access, SiteAccessRuntime)
    assert isinstance(services.read_model, ReadModelRefresher)
    assert isinstance(services.orders, OrdersRuntime)
    assert isinstance(services.service_desk, ServiceDeskRuntime)
    assert isinstance(services.metering, MeteringRuntime)
    assert isinstance(services.notify, NotifyRuntime)
    # Start order; the lifespan stops them in reverse (the access log late, so shutdown is logged).
    assert [name for name, _ in services.stoppable()] == [
        "rate_limiter", "change_listener", "access_log", "site_access", "read_model", "orders", "service_desk",
        "metering", "notify"]


def test_a_component_the_app_has_not_started_is_an_error_not_a_fallback(settings: Settings) -> None:
    services = create_app(settings).state.services
    assert not services.started
    assert isinstance(services.rate_limiter, RateLimiter)  # built with the app
    for name in ("access_log", "site_access", "read_model", "orders", "service_desk", "metering", "notify"):
        with pytest.raises(AttributeError):
            getattr(services, name)


async def test_two_apps_in_one_process_keep_their_own_tenant_hooks(settings: Settings) -> None:
    first, second = (create_app(settings).state.services for _ in range(2))
    assert first.tenant_hooks is not second.tenant_hooks
    runtimes = [OrdersRuntime(Provisioner(services.netbox), facility="test", run_worker=False,
                              hooks=services.tenant_hooks) for services in (first, second)]
    for runtime in runtimes:
        await runtime.start()
    assert HOOK_NAME in first.tenant_hooks.registered() and HOOK_NAME in second.tenant_hooks.registered()
    await runtimes[1].stop()  # the second app shuts down: the first still freezes orders on suspension
    assert HOOK_NAME in first.tenant_hooks.registered()
    assert HOOK_NAME not in second.tenant_hooks.registered()
    await runtimes[0].stop()
    assert first.tenant_hooks.registered() == {}


async def test_site_access_registers_its_hook_on_its_own_app_and_removes_it_when_stopped(
    app: Litestar, client: AsyncTestClient, settings: Settings,
) -> None:
    running, other = app.state.services, create_app(settings).state.services
    assert SITE_ACCESS_HOOK in running.tenant_hooks.registered()  # started by the running app's lifespan
    runtime = SiteAccessRuntime(running.access_log, hooks=other.tenant_hooks)
    await runtime.start()
    assert SITE_ACCESS_HOOK in other.tenant_hooks.registered()
    await runtime.stop()
    assert SITE_ACCESS_HOOK not in other.tenant_hooks.registered()
    assert SITE_ACCESS_HOOK in running.tenant_hooks.registered()  # the other app's stop leaves it alone

async def test_two_apps_in_one_process_keep_their_own_read_model_caches(settings: Settings) -> None:
    first, second = (create_app(settings).state.services for _ in range(2))
    assert first.read_cache is not second.read_cache

    def loader(value: str) -> Callable[[], Awaitable[str]]:
        async def load() -> str:
            return value
        return load

    assert await first.read_cache.get(("racks",), loader("first"), generation=7) == "first"
    assert await second.read_cache.get(("racks",), loader("second"), generation=7) == "second"
    assert await first.read_cache.get(("racks",), loader("reloaded"), generation=7) == "first"
