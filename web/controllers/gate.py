"""The gate screen for a tablet at the entrance: badge check-in/out, who is on site, who overstayed."""

from __future__ import annotations

from litestar import Controller


class GateController(Controller):
    path = "/"
