"""The app's long-lived components are typed fields of AppServices, filled by the lifespan: a
reader names what it needs, and a component the app never started is an error, not a quiet
substitute (orders once built a second Provisioner when its runtime was missing)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.auth_throttle import AuthFailureThrottle
from api.site_access import SiteMonitor
from audit.service import AccessLog
from colo.settings import Settings
from dcim.orders.worker import OrdersRuntime
from dcim.readmodel.refresher import ReadModelRefresher
from tenants.ratelimit import RateLimiter


async def test_the_lifespan_fills_every_component_and_stops_them_from_one_list(
    app: Litestar, client: AsyncTestClient,
) -> None:
    services = app.state.services
    assert services.started
    assert isinstance(services.rate_limiter, RateLimiter)
    assert isinstance(services.auth_throttle, AuthFailureThrottle)
    assert isinstance(services.access_log, AccessLog)
    assert isinstance(services.site_monitor, SiteMonitor)
    assert isinstance(services.read_model, ReadModelRefresher)
    assert isinstance(services.orders, OrdersRuntime)
    # Start order; the lifespan stops them in reverse (the access log late, so shutdown is logged).
    assert [name for name, _ in services.stoppable()] == [
        "rate_limiter", "access_log", "site_monitor", "read_model", "orders"]


def test_a_component_the_app_has_not_started_is_an_error_not_a_fallback(settings: Settings) -> None:
    services = create_app(settings).state.services
    assert not services.started
    assert isinstance(services.rate_limiter, RateLimiter)  # built with the app
    for name in ("access_log", "site_monitor", "read_model", "orders"):
        with pytest.raises(AttributeError):
            getattr(services, name)
