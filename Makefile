# Two commands matter: `make run` (a running Colo with a real NetBox and a demo datacenter)
# and `make test` (the whole suite against real PostgreSQL and the real NetBox).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
# NetBox 4.7 and Colo both need Python 3.12; the pyenv shim may not run, so prefer the real binary.
PYTHON ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12.*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
COLO := $(VENV)/bin/colo
STAMP := $(VENV)/.installed
# Browser assets (htmx, Swagger UI) from the npm lockfile, copied where Colo serves them (web/assets.py).
ASSETS := web/static/vendor/.installed
VENDOR := node_modules/htmx.org/dist/htmx.min.js node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js node_modules/swagger-ui-dist/swagger-ui.css
CATALOGS := $(wildcard web/translations/*/LC_MESSAGES/messages.po)

.PHONY: help run test venv assets chromium haproxy kubectl netbox lint bench bench-quick screenshots clean

help:
	@echo "make run    - NetBox up, database migrated, demo seeded, portal and API on http://127.0.0.1:8000 (docs at /schema)"
	@echo "make test   - lint and the whole test suite against real PostgreSQL and a real NetBox"
	@echo "make bench  - benchmarks (make bench-quick: under two minutes)"
	@echo "make screenshots - the portal's pictures in docs/screenshots (with make run running)"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found: install it (pyenv install 3.12) or set PYTHON=/path/to/python3.12"; exit 2; }
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12)' || { echo "$(PYTHON) is not a working Python 3.12"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

$(ASSETS): package.json package-lock.json $(CATALOGS) $(STAMP)
	@command -v npm >/dev/null || { echo "npm not found: install Node.js and npm (apt-get install -y npm)"; exit 2; }
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p web/static/vendor && cp $(VENDOR) web/static/vendor/
	@$(VENV)/bin/pybabel compile -d web/translations -D messages 2>/dev/null
	@touch $(ASSETS)

venv: $(STAMP) $(ASSETS)

assets: $(ASSETS)

# The browser tests drive Debian's Chromium (browsers are never downloaded from anywhere else).
chromium:
	@test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium; }

# tests/cluster put Debian's HAProxy in front of API replicas; each test runs its own HAProxy in the
# foreground with its own configuration (the package's service, if started, listens nowhere).
haproxy:
	@test -x /usr/sbin/haproxy || { apt-get update && apt-get install -y haproxy; }

# tests/deploy builds deploy/kubernetes with kubectl's own kustomize (v5, in kubectl 1.27 or newer;
# Debian's kubernetes-client 1.20 is too old). Nothing talks to a cluster.
kubectl:
	@command -v kubectl >/dev/null || { echo "kubectl not found: install kubectl 1.27 or newer (https://kubernetes.io/docs/tasks/tools/)"; exit 2; }

# Pictures of the portal for the README and docs, from the Colo that `make run` serves.
screenshots: venv chromium
	@$(COLO) demo screenshots --out docs/screenshots

netbox: venv
	@$(COLO) netbox up

# Recipes are silent: every line `make run` prints is one of Colo's log lines (and the first key, alone).
run: netbox
	@$(COLO) db migrate
	@$(COLO) demo seed
	@$(COLO) demo snmp
	@$(COLO) netbox sync --quiet
	@$(COLO) keys bootstrap
	@$(COLO) accounts hint
	@$(COLO) serve

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: netbox lint chromium haproxy kubectl
	$(VENV)/bin/pytest

bench: netbox
	$(VENV)/bin/python -m bench

bench-quick: netbox
	$(VENV)/bin/python -m bench --quick

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules web/static/vendor
