"""Visits in the portal: request one, follow its status and badges, cancel it."""

from __future__ import annotations

from litestar import Controller


class VisitsController(Controller):
    path = "/"
