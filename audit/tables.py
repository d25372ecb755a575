"""Database tables of audit."""

TABLES: list[type] = []
