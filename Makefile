# Two commands matter: `make run` serves the app with demo data, `make test` runs the suite.
# Both create the virtual environment and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Test processes in parallel, each with its own test database; 0 runs the suite in one.
TEST_WORKERS ?= auto
export PORT

.PHONY: run test lint format bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.app-installed

install: $(VENV)/.app-installed

# axe-core, pinned in package-lock.json: the browser tests load it into each page to check
# accessibility. Without npm those checks are skipped (with the reason shown), as the
# browser tests are without Chromium.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the accessibility checks of the browser tests will be skipped"; fi

run: $(VENV)/.app-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_policy
	$(BIN)/python manage.py refresh_holidays
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_local --port $(PORT)

# Some tests need programs of the system: Chromium (browser tests) and nginx at
# /usr/sbin/nginx (reverse proxy tests); .ci/run installs both.
test: $(VENV)/.dev-installed node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Benchmarks are not part of `make test`; each writes JSON under bench/results/.
bench: $(VENV)/.app-installed
	$(BIN)/python bench/businesstime.py --out bench/results/$$(date +%F)-businesstime.json
	$(BIN)/python bench/sla_sweep.py $(SWEEP_ARGS) --out bench/results/$$(date +%F)-sla-sweep.json
	$(BIN)/python bench/credits.py $(CREDITS_ARGS) --out bench/results/$$(date +%F)-credits.json
	$(BIN)/python bench/scale.py $(SCALE_ARGS)
	$(BIN)/python bench/load.py $(LOAD_ARGS) --out bench/results/$$(date +%F)-load.json

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis node_modules
