"""Every route handler the app serves; api/plugin.py registers this list."""

from api.controllers.health import HealthController

CONTROLLERS: list[type] = [HealthController]
