# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: start the bot (socket, HTTP or the local console, picked from .env / the environment)
run: $(STAMP)
	$(BIN)/checklist-bot

PG_URL ?= $(or $(TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/test)

## test: ruff, the whole suite on SQLite, then again on PostgreSQL when one answers at $(PG_URL)
test: $(STAMP)
	$(BIN)/ruff check .
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -p no:cacheprovider
	@if $(BIN)/python -m tests.pg_probe "$(PG_URL)"; then \
	  echo "== the suite again on PostgreSQL at $(PG_URL)"; \
	  TEST_DATABASE_URL="$(PG_URL)" $(BIN)/python -m pytest -q -p no:cacheprovider; \
	else \
	  echo "== PostgreSQL does not answer at $(PG_URL): the suite ran on SQLite only"; \
	fi

## bench: acknowledgement latency beside a bare Bolt app and a plain WSGI app
bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
