"""Ops' capacity map: each hall drawn row by row, racks coloured by free units and power headroom."""

from __future__ import annotations

from litestar import Controller


class CapacityMapController(Controller):
    path = "/"
