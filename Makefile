# Parlor: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
FLASK := $(VENV)/bin/flask --app app

.PHONY: run test test-fast test-e2e lint format bench migrate clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.runtime
	$(FLASK) db upgrade

run: migrate
	$(PY) run.py

# The suite on SQLite (unit, integration, fuzzing and headless-Chromium end to end), the
# Socket.IO tests again under eventlet, and the database-touching tests again on PostgreSQL.
test: $(VENV)/.dev
	$(PYTEST) -p no:cacheprovider
	SOCKETIO_ASYNC_MODE=eventlet $(PYTEST) -p no:cacheprovider -m socketio
	PARLOR_TEST_DATABASE=postgresql $(PYTEST) -p no:cacheprovider -m "not e2e and not fuzz" --ignore=tests/sfu

test-fast: $(VENV)/.dev
	$(PYTEST) -m "not e2e" -x

test-e2e: $(VENV)/.dev
	$(PYTEST) -m e2e

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
