"""Database tables of dcim."""

TABLES: list[type] = []
