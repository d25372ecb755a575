"""ColoPlugin assembles the app: services, lifespan, middleware, errors, OpenAPI, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from litestar.types import ASGIApp

import colo
from api.access_log import access_log_middleware
from api.auth_throttle import AuthFailureThrottle, shared_blocks
from api.components import running
from api.controllers import CONTROLLERS
from api.errors import EXCEPTION_HANDLERS
from api.guards import install_access_control
from api.http_methods import http_methods_middleware
from api.metrics import MetricsController, install_collector
from api.openapi_tightening import TightenedJsonPlugin, TightenedSwaggerPlugin
from api.pagination import refuse_offset
from api.request_id import request_id_middleware
from api.request_metrics import request_metrics_middleware
from api.services import AppServices
from colo.change_listener import ChangeListener
from colo.db import bound_engine, engine_from_url
from colo.logging import configure_logging, get_logger
from colo.secretstore import load_keys
from colo.settings import Settings
from dcim.netbox import gateway_from_settings
from dcim.orders.signed_grant import load_pki
from dcim.readmodel.cache import GENERATION_CHANNEL, ReadModelCache
from tenants.auth_blocks import CHANNEL as BLOCK_CHANNEL
from tenants.key_cache import CHANNEL as KEY_CHANNEL
from tenants.key_cache import KeyCache
from tenants.ratelimit import RateLimiter
from web.plugin import install_web

MAX_BODY_BYTES = 1024 * 1024
log = get_logger(__name__)

# Wrapped around the whole ASGI app (outermost first), so they also see requests no route
# matches (404, 405) and errors raised before routing — route middleware would miss those.
# HEAD and Allow (api/http_methods.py) sit inside the access log, so it records HEAD as HEAD.
# Request metrics (api/request_metrics.py) count the status the client got, errors included.
OUTER_MIDDLEWARE: list[Callable[[ASGIApp], ASGIApp]] = [
    request_id_middleware, request_metrics_middleware, access_log_middleware, http_methods_middleware]


def wrap_outermost(app: Litestar) -> Litestar:
    handler = app.asgi_handler
    for middleware in reversed(OUTER_MIDDLEWARE):
        handler = middleware(handler)
    app.asgi_handler = handler
    return app


class ColoPlugin(InitPluginProtocol):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def build_services(self) -> AppServices:
        engine = engine_from_url(self.settings.database_url)
        settings = self.settings
        limiter = RateLimiter(redis_url=settings.redis_url)
        # One LISTEN connection for the hot-path caches (colo/change_listener.py).
        listener = ChangeListener(settings.database_url, channels=(KEY_CHANNEL, GENERATION_CHANNEL, BLOCK_CHANNEL),
                                  shared_seconds=settings.cache_lag_seconds)
        return AppServices(
            settings=settings, keys=load_keys(settings), engine=engine, netbox=gateway_from_settings(settings),
            rate_limiter=limiter, loa_pki=load_pki(settings),
            change_listener=listener, key_cache=KeyCache(seconds=settings.auth_cache_seconds, listener=listener),
            read_cache=ReadModelCache(listener=listener),
            # Failed authentications are throttled per address and per key id (api/auth_throttle.py).
            auth_throttle=AuthFailureThrottle(limiter, per_address=(settings.auth_failures_per_address, 60),
                                              per_key=(settings.auth_failures_per_key, 60),
                                              # With Redis: blocked addresses in memory, no Redis read per request.
                                              blocks=shared_blocks(limiter, listener)),
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        settings = self.settings
        configure_logging(log_format=settings.log_format, level=settings.log_level)
        # Litestar's own logging config would replace the root handler with a plain-text one at
        # start-up; api/errors.py logs unexpected errors through structlog instead.
        app_config.logging_config = None
        services = self.build_services()

        @asynccontextmanager
        async def lifespan(app: Litestar) -> AsyncIterator[None]:
            async with bound_engine(services.engine), running(services, loops=settings.run_workers):
                # api/components.py starts every component; their loops only with COLO_RUN_WORKERS.
                app.state.services = services
                log.info("colo started", database="postgresql" if settings.is_postgres else "sqlite",
                         netbox=services.netbox.url or "not configured", background_work=settings.run_workers)
                yield

        app_config.state["services"] = services
        app_config.lifespan.append(lifespan)
        install_collector()  # leadership and backlog gauges at /metrics (api/metrics.py)
        app_config.route_handlers.extend([*CONTROLLERS, MetricsController])
        # The portal (web/): pages over the same services, mounted in this app.
        assets = install_web(app_config, services)
        install_access_control(app_config, services)
        app_config.exception_handlers.update(EXCEPTION_HANDLERS)
        app_config.before_request = refuse_offset  # lists page by cursor: `offset` is one 400, here
        app_config.openapi_config = OpenAPIConfig(
            title="Colo API", version=colo.__version__,
            description="Colocation and tenant management: rack space, power, cross-connects, "
            "site access and the tamper-evident access log. NetBox is the source of truth for the plant.",
            path="/schema",
            # The API description is public; the guard lets the docs router through.
            openapi_router=Router("/schema", route_handlers=[], include_in_schema=False, opt={"public": True}),
            # The corrected document (api/openapi_tightening.py) is what /schema/openapi.json serves.
            # Swagger UI's files are Colo's own (npm lockfile, web/assets.py), never a CDN's.
            render_plugins=[TightenedSwaggerPlugin(
                path=["/", "/swagger"], js_url=assets.url("vendor/swagger-ui-bundle.js"),
                css_url=assets.url("vendor/swagger-ui.css"),
                standalone_preset_js_url=assets.url("vendor/swagger-ui-standalone-preset.js"), favicon=""),
                TightenedJsonPlugin()],
            components=Components(security_schemes={
                "apiKey": SecurityScheme(
                    type="http", scheme="bearer", bearer_format="colo_<key id>_<secret>",
                    description="A Colo API key: `Authorization: Bearer colo_…`",
                ),
            }),
            security=[{"apiKey": []}],
        )
        return app_config
