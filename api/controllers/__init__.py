"""Every route handler the app serves; api/plugin.py registers this list."""

from api.controllers.health import HealthController
from api.controllers.keys import KeyController, WhoAmIController

CONTROLLERS: list[type] = [HealthController, WhoAmIController, KeyController]
