"""Orders for rack space, power and cross-connects: one lifecycle, fulfilled in NetBox."""
