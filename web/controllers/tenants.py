"""Ops' tenants: list, detail, suspend / reinstate / offboard with the consequences spelled out."""

from __future__ import annotations

from litestar import Controller


class TenantsController(Controller):
    path = "/"
