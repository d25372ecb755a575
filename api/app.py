"""The app factory: `create_app()` returns the Litestar app (uvicorn: `api.app:create_app --factory`)."""

from __future__ import annotations

from litestar import Litestar

from api.plugin import MAX_BODY_BYTES, ColoPlugin, wrap_outermost
from colo.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    # The body limit is passed here: Litestar reads it from the constructor, not from init plugins.
    app = Litestar(plugins=[ColoPlugin(settings or load_settings())], request_max_body_size=MAX_BODY_BYTES)
    return wrap_outermost(app)
