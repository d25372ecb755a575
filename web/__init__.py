"""The portal: server-rendered pages (Jinja2 + htmx) over the same domain services and policy as the API."""
