# Two commands set everything up: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test install lint check

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Trekboard needs Python 3.11 or newer (found %s). Set PYTHON=python3.12, say." % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

# Migrate, load the demo once, serve on 127.0.0.1:$(PORT) until Ctrl-C, then
# stop the embedded PostgreSQL (when DATABASE_URL is unset).
run: install
	PORT=$(PORT) $(PY) -m trekboard.dev

# The whole suite, browser tests included, on a separate test database.
test: install
	@$(PY) -m trekboard.dev test $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check
	TREKBOARD_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=example.org DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(PY) manage.py check --deploy --fail-level WARNING
