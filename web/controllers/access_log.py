"""The access log for security officers and auditors: search, entry detail, export, integrity panel and proofs."""

from __future__ import annotations

from litestar import Controller


class AccessLogController(Controller):
    path = "/"
