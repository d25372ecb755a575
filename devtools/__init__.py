"""Development tooling: the local NetBox launcher and the demo datacenter. Never imported by
production code (an import contract in pyproject.toml says so)."""
