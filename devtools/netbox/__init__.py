"""A real NetBox for development and tests: installed, configured, migrated and served locally."""
