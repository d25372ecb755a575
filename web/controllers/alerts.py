"""Open site-access alerts by kind, acknowledged with a note."""

from __future__ import annotations

from litestar import Controller


class AlertsController(Controller):
    path = "/"
