# Parlor: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
FLASK := $(VENV)/bin/flask --app app

.PHONY: run test test-fast test-e2e chaos lint format bench loadtest migrate clean deps-run deps-test

# System packages (Chromium, coturn, Redis, PostgreSQL, npm for the tests): checked every time,
# installed with apt when we are root, otherwise the exact command to run is printed.
deps-run:
	@scripts/system-deps run
deps-test:
	@scripts/system-deps test

$(VENV)/.runtime: requirements.txt | deps-run
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core, injected into pages by the accessibility tests; pinned in package-lock.json.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

migrate: $(VENV)/.runtime
	$(FLASK) db upgrade

run: migrate
	$(PY) run.py

# The suite on SQLite (unit, integration, fuzzing and headless-Chromium end to end), the
# Socket.IO tests again under eventlet, and the database-touching tests again on PostgreSQL.
test: deps-test $(VENV)/.dev $(AXE)
	$(PYTEST) -p no:cacheprovider
	SOCKETIO_ASYNC_MODE=eventlet $(PYTEST) -p no:cacheprovider -m socketio
	PARLOR_TEST_DATABASE=postgresql $(PYTEST) -p no:cacheprovider -m "not e2e and not fuzz" --ignore=tests/sfu

test-fast: $(VENV)/.dev
	$(PYTEST) -m "not e2e" -x

test-e2e: deps-test $(VENV)/.dev $(AXE)
	$(PYTEST) -m e2e

# Faults injected into two workers behind HAProxy (also part of `make test`).
chaos: deps-test $(VENV)/.dev
	$(PYTEST) -m chaos

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) -m bench

# 1,000 Socket.IO clients in 100 rooms of 10 on 2 workers behind HAProxy, then on 1 (not in `make test`).
loadtest: deps-test $(VENV)/.dev
	$(PY) -m bench.socket_load

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
