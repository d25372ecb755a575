"""Mounts the portal into the app: templates, the portal router, static files, the session store
and the tenant status hook that ends a suspended or offboarded tenant's sessions at once.

Called by the app's one init plugin (api/plugin.py ColoPlugin), so the portal runs in the same
process over the same services as the API: no HTTP hop, no second copy of a rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Router, get
from litestar.config.app import AppConfig
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File
from litestar.template.config import TemplateConfig

from accounts.sessions import SessionLimits, session_store
from accounts.throttle import SignInThrottle
from api.guards import load_access_policy
from api.services import AppServices
from tenants.events import TenantStatusChange
from tenants.keys import KeyRing
from tenants.status import TenantStatus
from web.assets import CACHE_FOREVER, Assets
from web.controllers import CONTROLLERS
from web.csrf import CsrfTokens
from web.errors import EXCEPTION_HANDLERS
from web.guard import portal_guard
from web.i18n import Languages
from web.pages import portal_headers
from web.runtime import WebRuntime

TEMPLATES = Path(__file__).resolve().parent / "templates"
SESSION_HOOK = "accounts.end_sessions"


@get("/static/{digest:str}/{name:path}", operation_id="portal_static", sync_to_thread=False)
def static_file(request: Request[Any, Any, Any], digest: FromPath[str], name: FromPath[Path]) -> File:
    """A file of web/static under its content digest, cached for a year (web/assets.py)."""
    runtime: WebRuntime = request.app.state.web
    path = runtime.assets.find(digest, name.as_posix().lstrip("/"))
    if path is None:
        raise NotFoundException()
    return File(path=path, filename=path.name, content_disposition_type="inline",
                headers={"Cache-Control": CACHE_FOREVER, "X-Content-Type-Options": "nosniff"})


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    # `_` comes with each page's context in the reader's language (web/pages.py); macros are
    # imported `with context` to see it. StrictUndefined: a missing value fails the test, not the page.
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def build_runtime(services: AppServices, assets: Assets) -> WebRuntime:
    settings = services.settings
    return WebRuntime(
        services=services,
        sessions=session_store(redis_url=settings.redis_url, limits=SessionLimits(
            idle=settings.session_idle_seconds, absolute=settings.session_max_seconds)),
        throttle=SignInThrottle(services.rate_limiter, per_address=settings.signin_failures_per_address,
                                per_account=settings.signin_failures_per_account),
        csrf=CsrfTokens(services.keys.master_key), languages=Languages(settings.time_zone), assets=assets,
        policy=load_access_policy(), ring=KeyRing.of(services.keys.api_key_peppers),
    )


def install_web(app_config: AppConfig, services: AppServices) -> Assets:
    """Add the portal to the app being assembled; returns its assets (the API docs use them too)."""
    assets = Assets()
    runtime = build_runtime(services, assets)

    async def end_tenant_sessions(change: TenantStatusChange) -> None:
        if change.current in (TenantStatus.SUSPENDED.value, TenantStatus.OFFBOARDED.value):
            await runtime.sessions.end_tenant(change.tenant_id)

    def start() -> None:  # like the app's other components: registered while running, removed at stop
        services.tenant_hooks.register(SESSION_HOOK, end_tenant_sessions)

    async def stop() -> None:
        services.tenant_hooks.unregister(SESSION_HOOK)
        await runtime.sessions.stop()

    app_config.state["web"] = runtime
    app_config.template_config = template_config()
    app_config.on_startup.append(start)
    app_config.on_shutdown.append(stop)
    # "public" to the API's guard (no API key): the portal's own guard checks sessions and policy.
    portal = Router("/", route_handlers=list(CONTROLLERS),
                    guards=[portal_guard], middleware=[portal_headers], exception_handlers=EXCEPTION_HANDLERS,
                    include_in_schema=False, opt={"public": True})
    static = Router("/", route_handlers=[static_file], include_in_schema=False, opt={"public": True})
    app_config.route_handlers.extend([portal, static])
    return assets
