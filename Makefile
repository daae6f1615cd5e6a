# The one place commands live. `make run` serves the site; `make test` runs the whole suite.

# Django 6 needs Python 3.12 or newer: take the first interpreter that is new enough.
PYTHON ?= $(shell for candidate in python3.13 python3.12 python3; do \
	if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	echo $$candidate; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check bench reliability backup restore clean

run: $(VENV)/.installed .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_admin
	@echo "Serving at http://$(HOST):$(PORT)/ (editorial admin: http://$(HOST):$(PORT)/admin/; Ctrl-C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT) </dev/null

test: $(VENV)/.installed .env
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(VENV)/.installed .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks (minutes: the first run generates 10k- and 100k-article archives on each database).
BENCH_SIZES ?= 10000 100000
BENCH_DATABASES ?= sqlite postgres
bench: $(VENV)/.installed .env
	$(BIN)/python bench/search.py --sizes $(BENCH_SIZES) --databases $(BENCH_DATABASES)
	$(BIN)/python bench/import_kb.py --size $(lastword $(BENCH_SIZES)) --databases $(BENCH_DATABASES)

# Load and faults under gunicorn (stops and restarts PostgreSQL: not beside a test run); needs wrk.
reliability: $(VENV)/.installed .env
	$(BIN)/python bench/reliability.py

# The whole knowledge base as JSON Lines under backups/ (docs/backups.md); restore with FILE=...
backup: $(VENV)/.installed .env
	@mkdir -p backups
	$(BIN)/python manage.py export_kb --output backups/kb-$$(date -u +%Y%m%dT%H%M%SZ).jsonl
	@ls -1t backups/kb-*.jsonl | head -n 1

restore: $(VENV)/.installed .env
	@if [ -z "$(FILE)" ]; then echo "Usage: make restore FILE=backups/kb-....jsonl" >&2; exit 2; fi
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_kb "$(FILE)"

$(VENV)/.installed: requirements.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is needed (Django 6). Install python3.12 or python3.13, or set PYTHON=/path/to/python." >&2; \
		exit 1; fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Local development settings; real environment variables override them.
.env:
	@printf '# Local development settings (not committed). Real environment variables win.\nDEBUG=true\n' > $@
	@echo "Wrote .env for local development (DEBUG=true)."

clean:
	rm -rf $(VENV) staticfiles
