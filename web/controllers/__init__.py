"""The portal's controllers, one module per area; web/plugin.py mounts CONTROLLERS."""

from __future__ import annotations

from litestar import Controller

from web.controllers.applications import ApplicationsController
from web.controllers.auth import AuthController
from web.controllers.home import HomeController
from web.controllers.keys import KeysController
from web.controllers.loas import LoasController
from web.controllers.orders import OrdersController
from web.controllers.people import PeopleController
from web.controllers.racks import RacksController
from web.controllers.staff import StaffController
from web.controllers.visits import VisitsController

CONTROLLERS: tuple[type[Controller], ...] = (
    AuthController, HomeController, ApplicationsController, PeopleController, KeysController, StaffController,
    OrdersController, LoasController, VisitsController, RacksController,
)
