# The README's commands. `make run` serves the site; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app cms

.PHONY: run test lint install bench stress clean catalogues

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	CMS_BIND=127.0.0.1:$(PORT) CMS_BASE_URL=$${CMS_BASE_URL:-http://127.0.0.1:$(PORT)} \
		$(BIN)/gunicorn -c python:cms.gunicorn_conf wsgi:app

# Ruff over the whole checkout, migrations and bench included (the version pinned in the
# test extras; its settings in pyproject.toml).
lint: install
	@echo "== lint (ruff) =="
	$(BIN)/ruff check .

# Lint first; the suite on SQLite, the browser tests last; again on PostgreSQL (without the
# browser tests) when CMS_TEST_POSTGRES_URL names a server.
test: install lint tests/e2e/node_modules
	@echo "== test suite on SQLite =="
	$(BIN)/pytest -m "not e2e"
	@echo "== end-to-end tests in chromium =="
	$(BIN)/pytest -m e2e
	@if [ -n "$$CMS_TEST_POSTGRES_URL" ]; then \
		echo "== test suite on PostgreSQL ($$CMS_TEST_POSTGRES_URL) =="; \
		CMS_TEST_BACKEND=postgres $(BIN)/pytest -m "not e2e"; \
	else \
		echo "== PostgreSQL suite skipped: CMS_TEST_POSTGRES_URL is not set =="; \
	fi

# axe-core for the accessibility checks, pinned by tests/e2e/package-lock.json.
tests/e2e/node_modules: tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/e2e --no-audit --no-fund && touch $@; \
	else \
		echo "npm is missing: the axe-core checks will be skipped (and fail where CI=true)"; \
	fi

# Benchmarks on the archive bench/make_archive.py made (bench/instance/ unless
# CMS_DATABASE_URL or CMS_INSTANCE_PATH say otherwise); both search engines side by side when
# CMS_DATABASE_URL names a PostgreSQL database (Whoosh alone on SQLite).
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	@command -v nginx >/dev/null || (apt-get update -qq && apt-get install -y -qq nginx >/dev/null)
	$(BIN)/python bench/run.py

# Load and faults on 127.0.0.1: 1,000 comments from 20 clients on SQLite and on PostgreSQL
# (CMS_TEST_POSTGRES_URL), a worker killed mid-run, a frozen search index. Bounded in time.
stress: install
	$(BIN)/python bench/stress.py

# The catalogues (translations/<lang>/LC_MESSAGES/messages.po) brought up to date with the
# strings readers see; tests/test_catalogues.py fails until the new ones are translated.
catalogues: install
	$(BIN)/python translations/update.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
