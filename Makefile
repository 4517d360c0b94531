# The two README commands, `make demo` and `make test`, must work on a new machine with only
# Python 3.11, make and apt: each builds .venv when it is missing or pyproject.toml is newer.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit notebooks lab bench sandbox clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/roe-analysis demo

test: lint typecheck unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check roe_analysis tests benchmarks notebooks
	$(BIN)/ruff format --check roe_analysis tests benchmarks notebooks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 roe_analysis tests

# Strict nbval: every stored output is compared. The sandbox stands in for the API, so a real
# key in the environment must not leak in; chart dates are drawn in UTC whatever TZ says.
notebooks: $(STAMP)
	env -u ROE_API_KEY TZ=UTC $(BIN)/pytest --nbval --nbval-current-env -p no:xdist notebooks/ \
		--nbval-sanitize-with notebooks/nbval_sanitize.cfg

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

sandbox: $(STAMP)
	$(BIN)/roe-analysis sandbox

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
