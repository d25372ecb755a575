"""Colo: colocation and tenant management with NetBox as the source of truth for the plant."""

__version__ = "0.1.0"
