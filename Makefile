# The one place commands live. `make run` serves the site; `make test` runs the whole suite.

# Django 6 needs Python 3.12 or newer: take the first interpreter that is new enough.
PYTHON ?= $(shell for candidate in python3.13 python3.12 python3; do \
	if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	echo $$candidate; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve demo editor test browser fonts screenshots lighthouse lint format check bench scaleout reliability backup restore clean

# The interface's translations, compiled from the .po files in the repo (config/messages.py).
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
$(MESSAGES): %.mo: %.po $(VENV)/.installed
	$(BIN)/python -m config.messages

run: $(VENV)/.installed .env $(MESSAGES)
	$(BIN)/python -m config.createdb
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py ensure_admin
	@echo "Serving at http://$(HOST):$(PORT)/ (editorial admin: http://$(HOST):$(PORT)/admin/; Ctrl-C to stop)"
	@$(WITH_WORKER) $(BIN)/python manage.py runserver $(HOST):$(PORT) </dev/null

# The task worker (docs/tasks.md) beside the web server: started first, stopped when the server stops.
WITH_WORKER = $(BIN)/python manage.py run_worker </dev/null & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM;

# The production server with production settings (config/gunicorn.conf.py): HSTS, Secure cookies, the
# real SECRET_KEY kept in .secret_key (made once, never committed). On this machine it answers plain HTTP
# on loopback, which is PLAIN_HTTP=true, said by the server when it starts; behind a TLS proxy run
# `make serve PLAIN_HTTP=false HOST=0.0.0.0` (docs/deployment.md). The database is the one `make run`
# uses unless DATABASE_URL says otherwise; on an empty one it says how to add content and an editor.
PLAIN_HTTP ?= true
PRODUCTION := DEBUG=false SECRET_KEY_FILE=$(CURDIR)/.secret_key PLAIN_HTTP=$(PLAIN_HTTP) \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}
serve: $(VENV)/.installed .secret_key $(MESSAGES)
	@export $(PRODUCTION) BIND=$(HOST):$(PORT); \
	$(BIN)/python -m config.createdb && \
	$(BIN)/python manage.py collectstatic --noinput -v0 && \
	$(BIN)/python manage.py migrate --noinput -v0 && \
	$(BIN)/python manage.py site_status && \
	echo "Serving with production settings at http://$(HOST):$(PORT)/ (Ctrl-C to stop)" && \
	{ $(WITH_WORKER) $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi; }

# The sample content, and the first editor account (asks for a name and password; works with DEBUG off).
demo: $(VENV)/.installed .secret_key $(MESSAGES)
	@export $(PRODUCTION); $(BIN)/python -m config.createdb && \
	$(BIN)/python manage.py migrate --noinput -v0 && $(BIN)/python manage.py load_demo
editor: $(VENV)/.installed .secret_key
	@export $(PRODUCTION); $(BIN)/python manage.py createsuperuser

# The production SECRET_KEY: generated once, readable by this user only, ignored by git.
.secret_key: | $(VENV)/.installed
	@umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@echo "Wrote a new SECRET_KEY to .secret_key (keep it; sessions and signed links depend on it)."

# A worker per core (pytest-xdist); the browser tests all go to one worker, so one Chromium runs.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev .env browser $(MESSAGES)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# What the browser tests need beyond Python: Debian's Chromium (installed when we are root with
# apt-get), and axe-core and the Nu HTML Checker from the npm registry. Without them those tests
# are skipped with a loud message, or fail in CI.
browser: node_modules/.installed
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium from Debian's packages for the browser tests..."; \
			apt-get install -y -qq chromium >/dev/null 2>&1 || \
				(apt-get update -qq && apt-get install -y -qq chromium >/dev/null); \
		else echo "!! Chromium is not installed (apt-get install chromium): browser tests will be skipped." >&2; fi; \
	fi

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "!! npm is not installed: accessibility and HTML checks will be skipped." >&2; fi

# The site's typefaces, self-hosted (static/fonts/, committed): the Latin and Cyrillic WOFF2 files of
# Source Serif 4 (text, headings) and Inter (interface) in the weights site.css uses, from Fontsource.
FONT_FILES := $(foreach subset,latin cyrillic,\
	source-serif-4/files/source-serif-4-$(subset)-400-normal.woff2 \
	source-serif-4/files/source-serif-4-$(subset)-400-italic.woff2 \
	source-serif-4/files/source-serif-4-$(subset)-600-normal.woff2 \
	inter/files/inter-$(subset)-400-normal.woff2 \
	inter/files/inter-$(subset)-600-normal.woff2)
fonts: node_modules/.installed
	mkdir -p static/fonts
	cd node_modules/@fontsource && cp $(FONT_FILES) ../../static/fonts/
	cp node_modules/@fontsource/source-serif-4/LICENSE static/fonts/LICENSE-source-serif-4.txt
	cp node_modules/@fontsource/inter/LICENSE static/fonts/LICENSE-inter.txt

# Page screenshots at desktop and phone widths into docs/screenshots/ (shown in the README).
screenshots: $(VENV)/.installed-dev .env browser
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/browser/test_pages.py -k screenshots

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(VENV)/.installed-dev .env
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks (minutes: the first run generates 10k- and 100k-article archives on each
# database; BENCH_SIZES="10000 100000 1000000" adds a million on PostgreSQL, about 17 minutes
# to generate here, and SQLite stops at BENCH_SQLITE_MAX, 100k by default). The import, admin
# and serving benchmarks run at one size, BENCH_ONE_SIZE (the last of BENCH_SIZES unless set:
# BENCH_ONE_SIZE=100000 keeps a million-article run well under an hour). Every one prints its
# table and rewrites its section of docs/performance.md; the serving and servers benchmarks need
# PostgreSQL and wrk (apt-get install wrk), and use Redis if it answers.
BENCH_SIZES ?= 10000 100000
BENCH_ONE_SIZE ?= $(lastword $(BENCH_SIZES))
BENCH_DATABASES ?= sqlite postgres
bench: $(VENV)/.installed-dev .env
	@command -v wrk >/dev/null || { echo "wrk is needed for the serving benchmark: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python bench/pages.py --sizes $(BENCH_SIZES) --databases $(BENCH_DATABASES)
	$(BIN)/python bench/search.py --sizes $(BENCH_SIZES) --databases $(BENCH_DATABASES)
	$(BIN)/python bench/import_kb.py --size $(BENCH_ONE_SIZE) --databases $(BENCH_DATABASES)
	$(BIN)/python bench/admin.py --sizes $(BENCH_ONE_SIZE) --databases $(BENCH_DATABASES)
	$(BIN)/python bench/serving.py --articles $(BENCH_ONE_SIZE)
	$(BIN)/python bench/servers.py --articles $(BENCH_ONE_SIZE)

# Lighthouse (mobile) on every public page type under the production server: docs/lighthouse.md.
# Needs Node.js 18.16+ and Chromium; installs Lighthouse apart from the test tools (bench/lighthouse/).
lighthouse: $(VENV)/.installed-dev browser bench/lighthouse/node_modules/.installed
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

bench/lighthouse/node_modules/.installed: bench/lighthouse/package.json bench/lighthouse/package-lock.json
	cd bench/lighthouse && npm ci --no-audit --no-fund --silent && touch node_modules/.installed

# Two app servers on one PostgreSQL and one Redis invalidating each other's cached pages
# (docs/deployment.md); needs both servers running on this machine.
scaleout: $(VENV)/.installed-dev .env
	$(BIN)/python bench/scaleout.py

# Load and faults under gunicorn (stops and restarts PostgreSQL: not beside a test run); needs wrk.
reliability: $(VENV)/.installed-dev .env
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

# What the site needs (requirements.txt), and on top of it what tests and tools need (requirements-dev.txt).
$(VENV)/.installed: requirements.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is needed (Django 6). Install python3.12 or python3.13, or set PYTHON=/path/to/python." >&2; \
		exit 1; fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Local development settings; real environment variables override them.
.env:
	@printf '# Local development settings (not committed). Real environment variables win.\nDEBUG=true\n' > $@
	@echo "Wrote .env for local development (DEBUG=true)."

clean:
	rm -rf $(VENV) staticfiles node_modules cache
