# adpilot: the two commands are `make run` and `make test`; `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8765
DASHBOARD_PORT ?= 8501
SEED ?= 7
DATA_DIR ?= $(CURDIR)/.adpilot
export NO_PROXY := 127.0.0.1,localhost,$(NO_PROXY)
export no_proxy := 127.0.0.1,localhost,$(no_proxy)

.DEFAULT_GOAL := help
.PHONY: help install lint typecheck test test-fast bench run sandbox dashboard clean

help: ## List every target with one line each
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# gbstats (GrowthBook's engine, a test oracle) pins numpy<2/pandas<2 but runs on both: install it alone.
	$(BIN)/pip install -q --no-deps 'gbstats==0.8.0'
	touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install adpilot with its dev tools

lint: install ## ruff (lint + format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy over the packages
	$(BIN)/mypy

test: install lint typecheck ## Install, lint, type-check and run every test (PostgreSQL included)
	$(BIN)/python -m pytest -q

test-fast: install ## Run the tests without lint and type-check
	$(BIN)/python -m pytest -q -x

bench: install ## Run the benchmarks and write BENCHMARKS.md
	$(BIN)/python -m benchmarks

run: install ## Start the sandbox, run the nightly job end to end, then serve the dashboard
	$(BIN)/adpilot demo --port $(PORT) --seed $(SEED) --data-dir $(DATA_DIR) --dashboard-port $(DASHBOARD_PORT)

sandbox: install ## Serve the Graph API sandbox on 127.0.0.1:$(PORT)
	$(BIN)/adpilot sandbox --port $(PORT) --seed $(SEED)

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) $(DATA_DIR) .mypy_cache .pytest_cache .ruff_cache
