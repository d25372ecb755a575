"""The demo datacenter: its plan (pure data) and the seeder that makes NetBox contain it."""
