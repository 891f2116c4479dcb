# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; each has its own database and browser.
PYTEST_WORKERS ?= auto

.PHONY: run install install-test test test-postgres bench-smoke translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	scripts/ensure-chromium
	scripts/ensure-axe

## Install, create the database, import the sample content and serve on :8000.
run: install
	$(BIN)/portal init
	$(BIN)/portal import
	$(BIN)/portal serve --host $(HOST) --port $(PORT)

## Install everything the tests need and run the whole suite (SQLite).
test: install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## The same suite against PostgreSQL (needs a server; see .ci/run).
test-postgres: install-test
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Benchmarks on tiny sizes: keeps the scripts working (CI runs this).
bench-smoke: install-test
	$(BIN)/python bench/run_smoke.py

## Re-extract UI strings and update the catalogs, then compile them.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d portal/translations

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
