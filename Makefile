# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint lock clean

# Exact versions with hashes from the lock file, then the app itself (editable, no further dependencies). No
# byte-compiling of every installed module (10 s): Python compiles what is imported, when it is first imported.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: start the bot (socket, HTTP or the local console, picked from .env / the environment);
##      ARGS are passed on, e.g. make run ARGS="console --now 2026-12-01T10:00"
run: $(STAMP)
	$(BIN)/checklist-bot $(ARGS)

PG_URL ?= $(or $(TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/test)

## test: ruff, mypy, the import contracts, the whole suite on SQLite, then again on PostgreSQL when one
##       answers at $(PG_URL)
# The suite's processes keep their bytecode (__pycache__, git-ignored) even where PYTHONDONTWRITEBYTECODE is set:
# otherwise each of the many Python processes a run starts compiles the app and the tests again. Tests are handed
# out to the workers a few at a time, so the long ones (tests/conftest.py, LONG_FIRST) overlap with the rest.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -p no:cacheprovider -n 4 --maxschedchunk 2
# Temporary files (each test's SQLite database above all) go to a new folder on tmpfs when /dev/shm has 2 GB free,
# removed after the run: less CPU than on a disk, and no waiting on one. Otherwise TMPDIR as it is.
TEST_TMPDIR := if [ "$$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $$4}')" -gt 2000000 ] 2>/dev/null; \
  then mktemp -d /dev/shm/checklist-bot-tests.XXXXXX; fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	@tmp=$$($(TEST_TMPDIR)); typing=$$(mktemp); trap 'rm -rf "$$tmp" "$$typing"' EXIT; \
	[ -z "$$tmp" ] || export TMPDIR="$$tmp"; \
	echo "$(BIN)/mypy   # beside the SQLite pass: 15 s of one core, while many tests wait on their processes"; \
	$(BIN)/mypy > "$$typing" 2>&1 & mypy=$$!; \
	echo "env -u TEST_DATABASE_URL $(PYTEST)   # temporary files in $${TMPDIR:-/tmp}"; \
	env -u TEST_DATABASE_URL $(PYTEST); status=$$?; \
	wait $$mypy; typed=$$?; cat "$$typing"; \
	[ $$status -eq 0 ] || exit $$status; [ $$typed -eq 0 ] || exit $$typed; \
	if $(BIN)/python -m tests.pg_probe "$(PG_URL)"; then \
	  echo "== the suite again on PostgreSQL at $(PG_URL), the tests that reach the database"; \
	  TEST_DATABASE_URL="$(PG_URL)" $(PYTEST); \
	else \
	  echo "== PostgreSQL does not answer at $(PG_URL): the suite ran on SQLite only"; \
	fi

## bench: acknowledgement latency beside a bare Bolt app and a plain WSGI app
bench: $(STAMP)
	$(BIN)/python -m bench

## lock: pin requirements.lock (runtime, the Dockerfile's) and requirements-dev.lock (make test, CI) from
##       pyproject.toml, with hashes, for every platform; run it after changing a dependency
LOCK_TOOL := .venv-lock/bin/uv
$(LOCK_TOOL):
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet uv
lock: $(LOCK_TOOL)
	$(LOCK_TOOL) pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header \
	  --quiet -o requirements.lock
	$(LOCK_TOOL) pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
	  --no-header --quiet -o requirements-dev.lock

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

clean:
	rm -rf $(VENV) .venv-lock *.egg-info .pytest_cache
