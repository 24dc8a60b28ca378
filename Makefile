# warroom — run `make help` to see what each target does.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
WARROOM := $(VENV)/bin/warroom
HOST ?= 127.0.0.1
PORT ?= 8080
CONFIG ?= examples/oracle
export WARROOM_DATABASE_URL ?= sqlite:///$(CURDIR)/var/warroom.db

.DEFAULT_GOAL := help
.PHONY: help venv run test lint bench system-deps db-check clean migration

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .  # isolated build: the venv's setuptools has no bdist_wheel
	touch $@

venv: $(VENV)/.installed ## Create .venv and install warroom with its pinned dependencies

# Links in pages, invites and feeds point at the port served (unless set otherwise); for this
# target only, so that no other target (make test) passes it on to what it runs.
run: export WARROOM_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: venv ## Serve API, web UI and engine on http://127.0.0.1:8080 with the example config
	@mkdir -p var
	@$(WARROOM) db upgrade
	@$(WARROOM) config apply $(CONFIG)
	@$(WARROOM) bootstrap --url http://$(HOST):$(PORT)
	$(WARROOM) serve --config $(CONFIG) --host $(HOST) --port $(PORT)

system-deps: ## Install the Debian packages the end-to-end tests need (root only)
	@bash scripts/system-deps.sh

# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Bytecode for warroom's own modules first, written even where PYTHONDONTWRITEBYTECODE is set:
# every process the tests start (warroom serve, workers, the CLI) and each test process then
# reads it instead of compiling ~340 modules again (~0.4 s of CPU a process).
test: venv system-deps ## Install what the tests need and run every test
	-@$(PY) -m compileall -qq src
	$(PY) -m pytest -q -n $(TEST_WORKERS) --durations=15

lint: venv ## ruff, mypy and the import contracts (no package cycles)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

BENCHES ?= incidents intake paging statuspage webui
bench: venv ## Run every benchmark (JSON lines on stdout); BENCH_ARGS=--quick for a short run
	@for b in $(BENCHES); do $(PY) bench/$$b.py $(BENCH_ARGS) || exit 1; done

migration: ## Regenerate the initial migration from the models (before the first release)
	@bash scripts/regen-initial-migration.sh

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var
