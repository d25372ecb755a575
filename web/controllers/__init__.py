"""The portal's controllers, one module per area; web/plugin.py mounts CONTROLLERS."""

from __future__ import annotations

from litestar import Controller

from web.controllers.access_log import AccessLogController
from web.controllers.access_review import AccessReviewController
from web.controllers.alerts import AlertsController
from web.controllers.applications import ApplicationsController
from web.controllers.auth import AuthController
from web.controllers.capacity_map import CapacityMapController
from web.controllers.dock import DockController
from web.controllers.gate import GateController
from web.controllers.home import HomeController
from web.controllers.keys import KeysController
from web.controllers.loas import LoasController
from web.controllers.notifications import NotificationsController
from web.controllers.ops_applications import OpsApplicationsController
from web.controllers.ops_orders import OpsOrdersController
from web.controllers.ops_service_desk import OpsServiceDeskController
from web.controllers.orders import OrdersController
from web.controllers.people import PeopleController
from web.controllers.racks import RacksController
from web.controllers.reconciliation import ReconciliationController
from web.controllers.security_visits import SecurityVisitsController
from web.controllers.service_desk import ServiceDeskController
from web.controllers.shipments import ShipmentsController
from web.controllers.staff import StaffController
from web.controllers.tenants import TenantsController
from web.controllers.visits import VisitsController

CONTROLLERS: tuple[type[Controller], ...] = (
    AuthController, HomeController, ApplicationsController, PeopleController, KeysController, StaffController,
    OrdersController, LoasController, VisitsController, RacksController, ShipmentsController, ServiceDeskController,
    NotificationsController,
    # the security officer's console
    SecurityVisitsController, GateController, AlertsController, AccessLogController, AccessReviewController,
    DockController,
    # the ops console
    OpsApplicationsController, OpsOrdersController, CapacityMapController, ReconciliationController,
    TenantsController, OpsServiceDeskController,
)
