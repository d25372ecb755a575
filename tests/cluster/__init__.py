"""Colo as a cluster on one machine: API replicas and workers behind a real HAProxy, killed on purpose."""
