# Inkwell. `make run` and `make test` work on a fresh machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1
# On SIGTERM the API finishes the requests in flight for up to this long (README "Faults and
# shutdown"); keep it in step with deploy/Dockerfile and deploy/k8s.
GRACEFUL_SHUTDOWN_SECONDS ?= 15
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The Kubernetes version deploy/k8s is validated against (kubernetes-validate bundles its schemas).
K8S_VERSION ?= 1.34.0

.DEFAULT_GOAL := help
.PHONY: help install run worker bench test test-unit test-e2e test-integration lint format typecheck \
        check migrate admin worker clean schemathesis k8s-validate

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## create the virtual environment and install (pinned by constraints.txt)

run: $(STAMP) ## migrate the embedded SQLite database and serve on 127.0.0.1:8000 (HOST, PORT)
	$(PY) -m entrypoints.cli migrate
	$(PY) -m entrypoints.http --host $(HOST) --port $(PORT) \
		--timeout-graceful-shutdown $(GRACEFUL_SHUTDOWN_SECONDS)

worker: $(STAMP) ## run the arq worker (needs INKWELL_REDIS_URL)
	$(BIN)/arq entrypoints.worker.WorkerSettings --custom-log-dict entrypoints.worker.LOG_CONFIG

migrate: $(STAMP) ## apply Alembic migrations to INKWELL_DATABASE_URL
	$(PY) -m entrypoints.cli migrate

admin: $(STAMP) ## create an admin: make admin EMAIL=you@example.com [NAME=...]
	@test -n "$(EMAIL)" || (echo "usage: make admin EMAIL=you@example.com [NAME=...]" && exit 2)
	$(PY) -m entrypoints.cli create-admin --email "$(EMAIL)" --name "$(or $(NAME),Administrator)"

test: $(STAMP) ## unit + e2e tests on in-memory adapters (no Postgres/Redis needed)
	$(PY) -m pytest tests/unit tests/e2e $(PYTEST_ARGS)

test-integration: $(STAMP) ## adapters against real Postgres/SQLite (INKWELL_TEST_DATABASE_URL)
	$(PY) -m pytest tests/integration -m integration -rs $(PYTEST_ARGS)

schemathesis: $(STAMP) ## Schemathesis against a live server (production-like with INKWELL_TEST_*_URL)
	$(PY) -m tests.schemathesis.run

lint: $(STAMP) ## ruff (lint + format check), mypy --strict, import-linter, k8s manifests
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory k8s-validate

k8s-validate: $(STAMP) ## every deploy/k8s manifest, strictly, against the pinned Kubernetes (K8S_VERSION; schemas bundled, offline)
	$(BIN)/kubernetes-validate --strict --quiet -k $(K8S_VERSION) deploy/k8s/*.yaml

format: $(STAMP) ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

typecheck: $(STAMP) ## mypy --strict on src
	$(BIN)/mypy src

check: lint test ## lint + test

bench: $(STAMP) ## Inkwell beside a bare ceiling app (needs Postgres, Redis, wrk); see bench/README.md
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run

clean: ## remove the virtual environment, caches and the embedded database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage* htmlcov var
