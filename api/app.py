"""The app factory: `create_app()` returns the Litestar app (uvicorn: `api.app:create_app --factory`)."""

from __future__ import annotations

from litestar import Litestar

from api.plugin import ColoPlugin, wrap_outermost
from colo.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    return wrap_outermost(Litestar(plugins=[ColoPlugin(settings or load_settings())]))
