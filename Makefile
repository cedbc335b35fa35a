# AI Watch: every target works on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: install run test lint fmt check bench bench-quick web worker beat redis migrate catalog clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

migrate: install var
	$(BIN)/python manage.py migrate --noinput

catalog: migrate
	$(BIN)/python manage.py sync_catalog
	$(BIN)/python manage.py load_archive

# Web, worker, beat and (when REDIS_URL is unset) the embedded Redis, together.
# Ctrl-C stops them all.
run: catalog
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "  AI Watch is starting at http://$(HOST):$(PORT)/"
	@echo
	AIWATCH_PORT=$(PORT) AIWATCH_HOST=$(HOST) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start \
		$(if $(REDIS_URL),web worker beat,redis web worker beat)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	DEBUG=False SECRET_KEY=check-only-$$(date +%s)-a-long-random-looking-secret-key-value ALLOWED_HOSTS=aiwatch.example \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# Full sizes take the better part of an hour; `make bench-quick` runs every script small.
# DATABASE_URL=postgres://... runs them on PostgreSQL (in a database of their own).
bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS) || exit 1; done

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

web: migrate
	$(BIN)/gunicorn aiwatch.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

worker: install
	$(BIN)/celery -A aiwatch worker --loglevel INFO --concurrency 2 --without-gossip --without-mingle --without-heartbeat

beat: install var
	$(BIN)/celery -A aiwatch beat --loglevel INFO --schedule var/celerybeat-schedule

redis: install var
	$(BIN)/python manage.py embedded_redis

clean:
	rm -rf $(VENV) var
