# Colo image (API and portal). Migrations live beside the packages, so the tree is installed in place.
# The portal's browser assets come from the npm lockfile in a build stage: nothing loads from a CDN.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COLO_ENV=production COLO_LOG_FORMAT=json
# A Unicode monospaced font for the portal's LOA PDFs (web/pdf.py: party names in any script) and the
# time-zone database (web/controllers/visits.py: a visit's window in the facility's wall-clock time)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core tzdata && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN useradd --system --home /app colo
COPY pyproject.toml constraints.txt README.md ./
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
COPY --from=assets /assets/node_modules/htmx.org/dist/htmx.min.js /assets/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
  /assets/node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js /assets/node_modules/swagger-ui-dist/swagger-ui.css \
  ./web/static/vendor/
COPY migrations ./migrations
COPY piccolo_conf.py ./
# Every package pyproject.toml names (but devtools/, for development only) is copied above:
# tests/unit/test_container_files.py checks it. Attachments live in a volume (compose.yaml).
ENV COLO_ATTACHMENTS_DIR=/app/var/attachments
RUN pip install --no-cache-dir -c constraints.txt -e . \
  && pybabel compile -d web/translations -D messages && mkdir -p "$COLO_ATTACHMENTS_DIR" && chown -R colo /app
USER colo
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["sh", "-c", "colo db migrate && colo serve --host 0.0.0.0 --port 8000"]
