"""A rack's page: its elevation and A/B power budget, from the read model."""

from __future__ import annotations

from litestar import Controller


class RacksController(Controller):
    path = "/"
