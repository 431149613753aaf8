# The README's commands. `make run` serves the site; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app cms

.PHONY: run test install bench stress clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	CMS_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c python:cms.gunicorn_conf wsgi:app

# The suite on SQLite; again on PostgreSQL when CMS_TEST_POSTGRES_URL names a server.
test: install
	@echo "== test suite on SQLite =="
	$(BIN)/pytest
	@if [ -n "$$CMS_TEST_POSTGRES_URL" ]; then \
		echo "== test suite on PostgreSQL ($$CMS_TEST_POSTGRES_URL) =="; \
		CMS_TEST_BACKEND=postgres $(BIN)/pytest -m "not e2e"; \
	else \
		echo "== PostgreSQL suite skipped: CMS_TEST_POSTGRES_URL is not set =="; \
	fi

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
