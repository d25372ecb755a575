"""Tenants: lifecycle, people, roles, API keys, site-visit requests."""
