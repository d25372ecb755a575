"""The access review: who can get in and who can act, dormant credentials, one-click revoke."""

from __future__ import annotations

from litestar import Controller


class AccessReviewController(Controller):
    path = "/"
