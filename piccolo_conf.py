"""Entry point for Piccolo's own CLI (`piccolo migrations new <app> --auto`), run from the repo root."""

from colo.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
