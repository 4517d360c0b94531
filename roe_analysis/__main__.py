"""`python -m roe_analysis`: the same as the `roe-analysis` command."""

from roe_analysis.cli import run

run()
