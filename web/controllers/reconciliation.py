"""Ops' reconciliation findings against NetBox, filterable, each linked to its NetBox object."""

from __future__ import annotations

from litestar import Controller


class ReconciliationController(Controller):
    path = "/"
