# Drop-in: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= auto
DEMO_PASSWORD ?= demo-supervisor-2026

.PHONY: run test install migrate demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)"

## Serve the demo on http://127.0.0.1:8000 (SQLite, development settings).
run: demo
	@echo "Drop-in: http://$(HOST):$(PORT)/  (sign in at /sign-in/ as 'supervisor' or 'manager', password '$(DEMO_PASSWORD)')"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL), one worker per core.
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
