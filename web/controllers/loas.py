"""LOAs in the portal: the Z side grants or refuses; the signed document and a printable PDF."""

from __future__ import annotations

from litestar import Controller


class LoasController(Controller):
    path = "/"
