# Civitas — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Two pytest workers: the machines here have two cores.
PYTEST_ARGS ?= -n 2
# Browser tests (e2e/) run in one process: one Chromium for the whole session.
E2E_ARGS ?= -p no:xdist
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
MANAGE := $(BIN)/python manage.py
# mypy covers the domain layer (DESIGN: services, selectors, core, audit).
MYPY_PATHS := civitas/core civitas/audit civitas/accounts/permissions.py civitas/accounts/services.py \
	civitas/accounts/selectors.py civitas/cases/services civitas/cases/selectors.py civitas/people/services.py \
	civitas/accounts/auth_services.py civitas/people/selectors.py civitas/catalog/services.py civitas/catalog/selectors.py civitas/catalog/validation.py \
	civitas/notifications/services.py civitas/notifications/handlers.py civitas/notifications/tasks.py \
	civitas/notifications/rendering.py civitas/people/residents.py civitas/cases/duplicates.py civitas/cases/public.py \
	civitas/cases/tracking.py civitas/cases/satisfaction.py civitas/search civitas/cases/person_cases.py civitas/cases/queues.py \
	civitas/integrations

.PHONY: run test test-e2e install install-dev assets lint migrate demo bench lock clean ci messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(PIP) install -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt $(VENV)/.base-installed
	$(PIP) install -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.copied: node_modules/.installed scripts/vendor_static.py
	$(BIN)/python scripts/vendor_static.py
	touch $@

install: $(VENV)/.base-installed
install-dev: $(VENV)/.dev-installed
assets: $(VENV)/.base-installed static/vendor/.copied

## make run: install, migrate SQLite (or DATABASE_URL), load demo data, start web + worker + scheduler.
run: export DEBUG ?= 1
# The demo signs in without an authenticator app (enrolment is offered, not forced); MFA_REQUIRED=1 forces it.
run: export MFA_REQUIRED ?= 0
run: export JURISDICTION_BOUNDARY_FILE ?= $(CURDIR)/civitas/demo/boundary.geojson
run: assets
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) seed_demo
	@echo ""
	@echo "  Civitas is starting on http://127.0.0.1:$(PORT)/  (staff console: http://127.0.0.1:$(PORT)/console/, admin: /admin/)"
	@echo "  Two-step sign-in: MFA_REQUIRED=$$MFA_REQUIRED (0: offered at first sign-in, not forced; 1: required)."
	@echo "  Press Ctrl-C to stop web, worker and scheduler."
	@echo ""
	WEB_PORT=$(PORT) $(BIN)/honcho start --no-prefix -f Procfile 2>&1 || test $$? -eq 130

## make test: install test tools, then ruff, import-linter, makemigrations --check, pytest, then the browser tests.
test: export CIVITAS_TESTING = 1
test: $(VENV)/.dev-installed static/vendor/.copied
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(MYPY_PATHS)
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/python scripts/run_pytest.py $(PYTEST_ARGS)
	$(BIN)/python scripts/run_pytest.py e2e $(E2E_ARGS)

## make test-e2e: only the browser tests (Playwright + Debian's Chromium + axe-core); see docs/howto/browser-tests.md.
test-e2e: export CIVITAS_TESTING = 1
test-e2e: $(VENV)/.dev-installed static/vendor/.copied
	$(BIN)/python scripts/run_pytest.py e2e $(E2E_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: collect translatable strings into locale/es/LC_MESSAGES/django.po, then compile the .mo
## (both are committed, so a fresh clone needs no gettext tools). Translate the new entries, then run it again.
messages: $(VENV)/.base-installed
	DEBUG=1 $(MANAGE) makemessages -l es --no-obsolete --add-location file \
		--ignore ".venv/*" --ignore "node_modules/*" --ignore "static/vendor/*" --ignore "staticfiles/*" \
		--ignore "bench/*" --ignore "e2e/*" --ignore "*/tests/*" --ignore "civitas/console/*" --ignore "*/admin.py" --ignore "*/migrations/*"
	DEBUG=1 $(MANAGE) compilemessages -l es --ignore ".venv/*" --ignore "node_modules/*"

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lock: | $(BIN)/python
	$(PIP) install uv
	$(BIN)/uv pip compile --python-version 3.11 -q requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile --python-version 3.11 -q requirements/dev.in -o requirements/dev.txt

clean:
	rm -rf $(VENV) node_modules staticfiles static/vendor
