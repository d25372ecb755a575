"""The security officer's visit queue: pending visits, approve or deny with a reason."""

from __future__ import annotations

from litestar import Controller


class SecurityVisitsController(Controller):
    path = "/"
