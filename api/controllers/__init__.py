"""Every route handler the app serves; api/plugin.py registers this list."""

from api.controllers.access_log import AccessLogController
from api.controllers.applications import ApplicationController
from api.controllers.health import HealthController
from api.controllers.keys import KeyController, WhoAmIController
from api.controllers.loas import LoaController
from api.controllers.loas_signed import SignedLoaController
from api.controllers.metering import MeteringController
from api.controllers.netbox_sync import NetBoxSyncController
from api.controllers.notify import EventController, NoticeController, SubscriptionController, WebhookController
from api.controllers.orders import OrderController
from api.controllers.people import PeopleController
from api.controllers.plant import (
    CapacityController,
    MeetMeRoomController,
    PowerController,
    RackController,
)
from api.controllers.ports import DemarcController, PortController
from api.controllers.reconcile import ReconcileController
from api.controllers.service_desk import ServiceDeskController
from api.controllers.service_desk_files import ServiceDeskFilesController
from api.controllers.shipments import DockController, ShipmentController
from api.controllers.signed_approvals import SignedApprovalController
from api.controllers.tenants import TenantController
from api.controllers.tiles import TlogController
from api.controllers.visits import AlertController, GateController, VisitController

CONTROLLERS: list[type] = [
    HealthController,
    WhoAmIController, KeyController, ApplicationController,
    TenantController, PeopleController,
    AccessLogController, TlogController,
    VisitController, GateController, AlertController, ShipmentController, DockController,
    RackController, PowerController, CapacityController, MeetMeRoomController, NetBoxSyncController,
    OrderController, LoaController, SignedLoaController, ReconcileController, DemarcController, PortController,
    SignedApprovalController,
    ServiceDeskController, ServiceDeskFilesController,
    MeteringController,
    WebhookController, SubscriptionController, NoticeController, EventController,
]
