"""A tenant's API keys in the portal: create, rotate, revoke; a secret is shown once."""

from __future__ import annotations

from litestar import Controller


class KeysController(Controller):
    path = "/"
