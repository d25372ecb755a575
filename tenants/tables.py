"""Database tables of tenants."""

TABLES: list[type] = []
