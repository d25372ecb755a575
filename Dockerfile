# Colo image: the API and portal (`colo serve`, the default command) and the worker (`colo worker`,
# compose.yaml and deploy/kubernetes override the command). Migrations are never run by the image's
# command: an init service (compose) or a Job (Kubernetes) runs `colo db migrate`, which takes a lock.
#
# Base images are pinned by exact version tag. Pin them by digest too (`FROM image:tag@sha256:…`,
# from `docker buildx imagetools inspect image:tag`) where you build: the machines this file was
# written on have no Docker engine and no registry access, so no digest could be looked up here.

# The portal's browser assets come from the npm lockfile (production dependencies only): nothing
# is loaded from a CDN at run time.
FROM node:20.20.2-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# A non-editable install into /opt/colo: the wheel carries the code, the migrations, the templates,
# static files, compiled translations and data files (pyproject.toml's package data).
FROM python:3.12.12-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
# Every package pyproject.toml names but devtools/ (development only), and the migrations:
# tests/unit/test_container_files.py checks the list.
COPY colo ./colo
COPY dcim ./dcim
COPY tenants ./tenants
COPY audit ./audit
COPY siteaccess ./siteaccess
COPY servicedesk ./servicedesk
COPY metering ./metering
COPY accounts ./accounts
COPY notify ./notify
COPY api ./api
COPY web ./web
COPY migrations ./migrations
COPY --from=assets /assets/node_modules/htmx.org/dist/htmx.min.js /assets/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
  /assets/node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js /assets/node_modules/swagger-ui-dist/swagger-ui.css \
  ./web/static/vendor/
RUN python -m venv /opt/colo \
  && /opt/colo/bin/pip install --no-cache-dir -c constraints.txt babel \
  && /opt/colo/bin/pybabel compile -d web/translations -D messages \
  && /opt/colo/bin/pip install --no-cache-dir -c constraints.txt .

FROM python:3.12.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/colo/bin:$PATH COLO_ENV=production COLO_LOG_FORMAT=json
# A Unicode monospaced font for the portal's LOA PDFs (web/pdf.py: party names in any script) and the
# time-zone database (web/controllers/visits.py: a visit's window in the facility's wall-clock time)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core tzdata && rm -rf /var/lib/apt/lists/*
# A fixed numeric user, so Kubernetes' runAsNonRoot can check it (deploy/kubernetes runs as 10001).
RUN groupadd --system --gid 10001 colo && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home colo
# The installed code belongs to root and is read-only to the runtime user.
COPY --from=build /opt/colo /opt/colo
# Only var/ is the runtime user's: the service desk's attachments (a volume: compose.yaml) and the
# proxy's TLS pair made by compose's tls-init. Volumes mounted there inherit this ownership.
ENV COLO_ATTACHMENTS_DIR=/app/var/attachments
RUN mkdir -p "$COLO_ATTACHMENTS_DIR" /app/var/tls && chown -R colo:colo /app/var
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["colo", "serve", "--host", "0.0.0.0", "--port", "8000"]
