# Two commands set everything up: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: run test install lint check bench fuzz

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Trekboard needs Python 3.11 or newer (found %s). Set PYTHON=python3.12, say." % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Trekboard and its dependencies into $(VENV) (log: $(VENV)/pip.log)..."
	@{ $(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e ".[test]"; } 	  > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; echo "Installing failed; the log is above." >&2; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# Migrate, load the demo once, serve on 127.0.0.1:$(PORT) with gunicorn until
# Ctrl-C or SIGTERM, then stop the embedded PostgreSQL (when DATABASE_URL is
# unset). exec: make passes a SIGTERM on to its child, so it must be Python's.
run: install
	@PORT=$(PORT) exec $(PY) -m trekboard.dev

# The whole suite, browser tests included, on a separate test database.
test: install
	@$(PY) -m trekboard.dev test $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py check
	TREKBOARD_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=example.org DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(PY) manage.py check --deploy --fail-level WARNING

# The benchmarks (bench/README.md), on a throwaway database of the server
# DATABASE_URL names (else the embedded one), with Redis when REDIS_URL is set.
# Each script prints JSON lines; they are also collected in
# bench/results/latest.jsonl, and tabled for the README in latest.md. Options
# per script, e.g.
#   make bench BENCH_PAGE_ARGS="--sizes 100,1000" BENCH_LOAD_ARGS="--duration 5"
BENCH_PAGE_ARGS ?= --sizes 100,1000,10000,100000
BENCH_REPLY_ARGS ?= --sizes 10,1000,10000
BENCH_LOAD_ARGS ?= --comments 1000 --duration 10
BENCH_IMPORT_ARGS ?= --comments 20000 --posts 20
BENCH_PEERS_ARGS ?= --sizes 100,1000
BENCH_ISSO_ARGS ?= --sizes 100,1000 --large 100000
BENCH_RENDER_ARGS ?= --sizes 200,10000
# A million comments take about ten minutes to generate.
BENCH_SEARCH_ARGS ?= --sizes 1000000
BENCH_RESULTS := bench/results/latest.jsonl
bench: install
	@mkdir -p $(dir $(BENCH_RESULTS)) && rm -f $(BENCH_RESULTS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/article_page.py $(BENCH_PAGE_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/reply.py $(BENCH_REPLY_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/load.py $(BENCH_LOAD_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/import_bench.py $(BENCH_IMPORT_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/page_weight.py
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/vs_peers.py $(BENCH_PEERS_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/embed_vs_isso.py $(BENCH_ISSO_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/render_body.py $(BENCH_RENDER_ARGS)
	BENCH_OUTPUT=$(BENCH_RESULTS) $(PY) bench/search.py $(BENCH_SEARCH_ARGS)
	$(PY) bench/report.py $(BENCH_RESULTS) > $(BENCH_RESULTS:.jsonl=.md)
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m trekboard.embedded_db stop; fi
	@echo "Figures in $(BENCH_RESULTS), as README tables in $(BENCH_RESULTS:.jsonl=.md)." >&2

# The endpoint fuzzer (tests/security/test_fuzz_endpoints.py) with many more
# examples per endpoint than the suite's default; e.g. make fuzz FUZZ_EXAMPLES=5000
FUZZ_EXAMPLES ?= 1000
fuzz: install
	@FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m trekboard.dev test tests/security/test_fuzz_endpoints.py -q $(ARGS)
