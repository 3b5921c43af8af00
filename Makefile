# Two commands: `make run` (the product on embedded defaults, with demo data) and
# `make test` (the whole suite against PostgreSQL, Redis and RabbitMQ). `make screenshots`
# runs the pages' browser checks, which save the main pages at 390 and 1280 px in screenshots/.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

export DJANGO_SETTINGS_MODULE := config.settings

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ticketing
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//

.PHONY: install run test screenshots bench lint format worker beat clean

$(STAMP): requirements.txt requirements-dev.txt
	PYTHON=$(PYTHON) WITH_BROWSER=1 scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Tickets is running at http://$(HOST):$(PORT)/"
	@echo "  Sign in at http://$(HOST):$(PORT)/demo-login/ as any demo user (no Google needed)."
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo ""
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --log-level warning

test: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	$(BIN)/pytest -n 2 --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

screenshots: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	$(BIN)/pytest tests/pages/test_browser.py -p no:cacheprovider $(PYTEST_ARGS)
	@echo "Screenshots are in screenshots/"

bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	$(BIN)/python scripts/bench.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(BIN)/python scripts/bench_scan.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	$(BIN)/python scripts/bench_hot_row.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(BIN)/python scripts/bench_fanout.py
	$(BIN)/python scripts/bench_tickets.py
	$(BIN)/python scripts/bench_metrics.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(STAMP)
	$(BIN)/celery -A config worker -l info

beat: $(STAMP)
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov staticfiles screenshots
