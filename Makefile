# Two entry points for a new user: `make run` and `make test`. Everything else is a step they call.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint unit venv clean bench browser-deps

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Set everything up, check the policies load, and start the web app on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/biopolicy documents
	$(BIN)/biopolicy db upgrade
	$(BIN)/uvicorn biopolicy.web.app:create_app --factory --host $(HOST) --port $(PORT) \
		--no-server-header --timeout-graceful-shutdown 5

## Chromium and a CJK font for the browser tests (Debian packages; we are root on CI). Quiet when present.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)

## Set everything up and run every check: lint, then all tests (browser tests in headless Chromium too;
## storage and service tests on SQLite and on PostgreSQL: the one on 127.0.0.1:5432, else a throwaway)
test: $(STAMP) browser-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	BIOPOLICY_BROWSER_TESTS=required scripts/pg-throwaway.sh $(BIN)/pytest -n auto --dist loadfile --durations=15

lint: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Measurements (not tests): results are recorded by hand in bench/README.md
bench: $(STAMP)
	$(BIN)/python bench/corpus_bench.py
	$(BIN)/python bench/assess_bench.py
	$(BIN)/python bench/startup_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
