"""Ops' application queue: detail, approve, reject, ask for more information."""

from __future__ import annotations

from litestar import Controller


class OpsApplicationsController(Controller):
    path = "/"
