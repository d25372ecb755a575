"""Entry point for Piccolo's own CLI (`piccolo migrations new <app> --auto`), run from the repo root.

`DB` and `APP_REGISTRY` come from colo.piccolo_conf on first access, as there."""

from colo.piccolo_conf import __getattr__  # noqa: F401 - Piccolo reads DB and APP_REGISTRY through it
