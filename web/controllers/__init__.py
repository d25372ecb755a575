"""The portal's controllers, one module per area; web/plugin.py mounts them on the web router."""
