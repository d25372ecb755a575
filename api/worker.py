"""`colo worker`: the background work without the API, beside API replicas run with
COLO_RUN_WORKERS=false.

It starts the same components as `colo serve` (api/components.py) with their loops, and answers
only probes and metrics on a small HTTP listener: GET /healthz (the process answers), /readyz
(database reachable; NetBox away is "degraded", not unready) and /metrics (Prometheus, including
which singletons this process leads). uvicorn turns SIGTERM/SIGINT into the app's shutdown: the
components stop in reverse order, then leadership is released for another worker to take over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Response, get

from api.components import running
from api.controllers.health import Liveness, Readiness, readiness
from api.metrics import MetricsController, install_collector
from api.plugin import ColoPlugin
from colo.db import bound_engine
from colo.logging import configure_logging, get_logger
from colo.settings import Settings

log = get_logger(__name__)


def create_worker_app(settings: Settings) -> Litestar:
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    services = ColoPlugin(settings).build_services()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with bound_engine(services.engine), running(services, loops=True) as leadership:
            app.state.services = services
            log.info("colo worker started", database="postgresql" if settings.is_postgres else "sqlite",
                     netbox=services.netbox.url or "not configured",
                     contends_for=list(leadership.names) if leadership else [])
            yield
        log.info("colo worker stopped")

    @get("/healthz", include_in_schema=False)
    async def healthz() -> Liveness:
        return Liveness(status="ok")

    @get("/readyz", include_in_schema=False)
    async def readyz() -> Response[Readiness]:
        return await readiness(services)

    install_collector()
    app = Litestar(route_handlers=[healthz, readyz, MetricsController], lifespan=[lifespan], logging_config=None,
                   openapi_config=None)
    app.state.services = services
    return app


def run_worker(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_worker_app(settings), host=host, port=port, log_config=None,
                log_level=settings.log_level.lower(), access_log=False, proxy_headers=False,
                timeout_graceful_shutdown=30)

