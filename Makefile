# The two README commands, `make demo` and `make test`, must work on a new machine with only
# Python 3.11, make and apt: each builds .venv when it is missing or pyproject.toml is newer.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit browser notebooks lab lab-reset bench sandbox clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/roe-analysis demo

test: lint typecheck unit notebooks browser

lint: $(STAMP)
	$(BIN)/ruff check roe_analysis tests benchmarks notebooks
	$(BIN)/ruff format --check roe_analysis tests benchmarks notebooks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -m "not browser" roe_analysis tests

# JupyterLab and the report in Debian's headless Chromium, operated as a person would; one lab
# server and one browser for the session, so not under xdist. Screenshots: reports/artifacts/.
# Without Chromium it skips, unless CI is set: then it fails (.ci/run installs Chromium).
browser: $(STAMP)
	env -u ROE_API_KEY TZ=UTC $(BIN)/pytest -p no:xdist -p no:randomly -m browser tests/browser \
		tests/report/test_report_browser.py

# Strict nbval: every stored output is compared. The sandbox stands in for the API, so a real
# key in the environment must not leak in; chart dates are drawn in UTC whatever TZ says.
notebooks: $(STAMP)
	env -u ROE_API_KEY TZ=UTC $(BIN)/pytest --nbval --nbval-current-env -p no:xdist notebooks/ \
		--nbval-sanitize-with notebooks/nbval_sanitize.cfg

# The lab opens a working copy (.lab/, git-ignored), so running and autosaving the curated
# notebooks never rewrites the committed ones. Copies are made once; `make lab-reset` starts over.
LAB_DIR := .lab
lab: $(STAMP)
	mkdir -p $(LAB_DIR)
	cp -n notebooks/*.ipynb $(LAB_DIR)/
	@echo "Opening a working copy in $(LAB_DIR)/; notebooks/ stays as committed (make lab-reset to recopy)."
	$(BIN)/jupyter lab $(LAB_DIR)/

lab-reset:
	rm -rf $(LAB_DIR)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

sandbox: $(STAMP)
	$(BIN)/roe-analysis sandbox

clean:
	rm -rf $(VENV) $(LAB_DIR) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
