"""Ops' order queue by state: review, approve, reject, request action, fulfil now, decommission."""

from __future__ import annotations

from litestar import Controller


class OpsOrdersController(Controller):
    path = "/"
