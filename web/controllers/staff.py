"""Staff accounts in the portal: ops create them (as `colo accounts create-staff` does)."""

from __future__ import annotations

from litestar import Controller


class StaffController(Controller):
    path = "/"
