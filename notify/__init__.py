"""Notifications: the outbox's dispatcher, tenants' webhook endpoints and their deliveries."""
