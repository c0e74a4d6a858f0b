# Jianfu: `make run` starts the demo, `make test` runs every check.

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3)

.DEFAULT_GOAL := run
.PHONY: .venv run test lint bench bench-load clean distclean

# The virtualenv, (re)installed whenever pyproject.toml changes.
.venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/pip install -e '.[test]'
	touch $@

run: .venv
	$(BIN)/jianfu run

lint: .venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/bandit -q -r webapp workflows models --severity-level high

# The BPMN tools (bpmnlint, bpmn-js for the modeler round trip), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: lint node_modules/.installed
	node_modules/.bin/bpmnlint $$(find bpmn -name '*.bpmn' | sort)
	$(BIN)/pytest -n 2 --dist worksteal -q

bench: .venv
	$(BIN)/python bench/engine_bench.py

# rows 1, 5 and 6 of issue 15: gunicorn on 127.0.0.1, SQLite then a fresh PostgreSQL database
bench-load: .venv
	$(BIN)/python bench/load.py

# Build and tool caches only: never the virtualenv or the database in instance/.
clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
