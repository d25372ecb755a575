"""Piccolo's configuration: the engine from COLO_DATABASE_URL and Colo's three apps.

Piccolo finds this module through PICCOLO_CONF (the `colo` CLI sets it). The running app
does not depend on DB below: it binds every table to its own engine (colo.db.bind_tables).
"""

from piccolo.conf.apps import AppRegistry

from colo.db import database_url_from_env, engine_from_url

DB = engine_from_url(database_url_from_env())

APP_REGISTRY = AppRegistry(
    apps=["colo.piccolo_app", "tenants.piccolo_app", "tenants.visits.piccolo_app", "audit.piccolo_app",
          "dcim.piccolo_app",
          "dcim.orders.piccolo_app"]
)
