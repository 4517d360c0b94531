"""The committed notebooks: paired with their scripts, parameterised, free of run noise, checkable.

Outputs themselves are checked by ``pytest --nbval`` (see `regenerate.py` for the command); these
tests check what makes that check meaningful and the notebooks reviewable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jupytext
import pytest

from roe_analysis.notebook import JUPYTEXT_FORMATS, KERNELSPEC, WIDGET_VIEW, clean_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
NAMES = ["01_load_and_overview", "02_durations", "03_grader_scores", "04_reviewer_agreement", "05_cost_and_quality"]
MAX_IGNORED = 3
FIX = "run `.venv/bin/python tests/notebooks/regenerate.py` to re-execute and re-pair the notebooks"


def stored(name: str) -> dict[str, Any]:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def output_texts(notebook: dict[str, Any]) -> list[str]:
    """Every text payload of every output (streams, text/*, SVG)."""
    found = []
    for cell in code_cells(notebook):
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                found.append(source({"source": out["text"]}))
            for value in out.get("data", {}).values():
                if isinstance(value, str | list):
                    found.append(source({"source": value}))
    return found


def test_the_curated_notebooks_and_their_scripts_are_all_there() -> None:
    ipynbs = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    scripts = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert ipynbs == NAMES
    assert scripts == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_and_script_are_in_sync(name: str) -> None:
    from_ipynb = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    from_script = jupytext.read(NOTEBOOKS / f"{name}.py")

    def cells(notebook: Any) -> list[tuple[str, str, list[str]]]:
        return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in notebook.cells]

    left, right = cells(from_ipynb), cells(from_script)
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        assert a == b, f"{name}: cell {index} differs between the .ipynb and the .py; {FIX}"
    assert len(left) == len(right), f"{name}: {len(left)} cells in the .ipynb, {len(right)} in the .py; {FIX}"
    assert from_script.metadata.get("kernelspec") == KERNELSPEC
    assert from_ipynb.metadata["jupytext"]["formats"] == JUPYTEXT_FORMATS


@pytest.mark.parametrize("name", NAMES)
def test_the_first_code_cell_and_only_it_holds_the_parameters(name: str) -> None:
    cells = code_cells(stored(name))
    tagged = [i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])]
    assert tagged == [0], f"{name}: cells tagged 'parameters': {tagged}; it must be exactly the first code cell"
    parameters = source(cells[0])
    assert "AGENT_ID = None" in parameters
    assert "SNAPSHOT = None" in parameters
    # Only assignments of literals and comments, so papermill can override every one of them.
    for line in parameters.splitlines():
        assert not line.strip() or re.match(r"^[A-Z_]+ = .+?(  # .+)?$", line), f"{name}: not a parameter: {line!r}"


@pytest.mark.parametrize("name", NAMES)
def test_no_run_noise_is_committed(name: str) -> None:
    notebook = stored(name)
    assert notebook == clean_notebook(notebook), f"{name}: the stored notebook is not clean; {FIX}"
    assert set(notebook["metadata"]) == {"jupytext", "kernelspec"}
    for cell in code_cells(notebook):
        # nbval compares only cells that have an execution count: every code cell must have one.
        assert cell["execution_count"] is not None
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"{name}: an error output is stored: {out.get('evalue')}"
            assert WIDGET_VIEW not in out.get("data", {})
            assert "transient" not in out


@pytest.mark.parametrize("name", NAMES)
def test_outputs_hold_nothing_machine_specific(name: str) -> None:
    for text in output_texts(stored(name)):
        assert str(ROOT) not in text, f"{name}: an output holds this checkout's path"
        assert "site-packages" not in text
        assert "model_id" not in text


@pytest.mark.parametrize("name", NAMES)
def test_the_first_output_says_where_the_data_comes_from(name: str) -> None:
    first = next(out for cell in code_cells(stored(name)) for out in cell["outputs"])
    assert first["output_type"] == "stream"
    assert source({"source": first["text"]}).startswith("Using the bundled sandbox at http://127.0.0.1:")


@pytest.mark.parametrize("name", NAMES)
def test_ignored_outputs_are_rare_and_explained(name: str) -> None:
    ignored = []
    for cell in code_cells(stored(name)):
        lines = [line.strip() for line in source(cell).splitlines()]
        tags = cell["metadata"].get("tags", [])
        assert "NBVAL_SKIP" not in lines and "# NBVAL_SKIP" not in lines and "nbval-skip" not in tags
        marked = "# NBVAL_IGNORE_OUTPUT" in lines or "nbval-ignore-output" in tags
        if marked:
            ignored.append(cell)
            reasons = [line for line in lines if line.startswith("#") and "NBVAL" not in line and len(line) > 10]
            assert reasons, f"{name}: a cell ignores its output without a comment saying why:\n{source(cell)}"
    assert len(ignored) <= MAX_IGNORED


def test_the_sanitiser_only_hides_the_sandbox_port() -> None:
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))
    assert patterns == [(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT")]


def test_job_content_is_shown_escaped_and_never_as_markup() -> None:
    texts = [t for name in NAMES for t in output_texts(stored(name))]
    assert not any("<script>alert(1)</script>" in t for t in texts)
    markup = "".join(output_texts(stored("04_reviewer_agreement")))
    assert markup.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the input and the rationale


def _nbval(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ROE_API_KEY"}
    env["TZ"] = "UTC"
    command = [
        sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:xdist", "-p", "no:cacheprovider",
        "--nbval-sanitize-with", str(SANITIZE), "-q", str(path),
    ]  # fmt: skip
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_editing_a_cell_without_running_it_fails_nbval(tmp_path: Path) -> None:
    """The first cells of 01 (parameters, setup, connect) pass as stored, and fail once a source is edited."""
    notebook = stored("01_load_and_overview")
    first_output = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code" and c["outputs"])
    notebook["cells"] = notebook["cells"][: first_output + 1]
    unchanged = tmp_path / "unchanged.ipynb"
    unchanged.write_text(json.dumps(notebook), encoding="utf-8")
    result = _nbval(unchanged, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    parameters = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    parameters["source"] = source(parameters).replace("SEED = 0", "SEED = 1")
    edited = tmp_path / "edited.ipynb"
    edited.write_text(json.dumps(notebook), encoding="utf-8")
    result = _nbval(edited, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Cell outputs differ" in result.stdout


def test_notebook_05_shows_the_seeded_cost_quality_trade_off() -> None:
    """The sandbox's truth, as 05 stores it: v1.1 cheapest, v2.0 best and dearest, v1.0 dominated."""
    texts = output_texts(stored("05_cost_and_quality"))
    markup = "".join(texts)
    assert "v2.0 is more expensive than v1.1: mean cost per job +$0.0856" in markup
    assert "<b>On the Pareto front: v1.1, v2.0</b>; the intervals do not settle it for: none." in markup
    # The trade-off tables, on the grader score then on approval: Pareto, then Pareto uncertain.
    tables = [t for t in texts if "Pareto uncertain" in t and "<caption>Quality:" in t]
    assert len(tables) == 3  # grader score, approval, and the explorer's copy of the first

    def fronts(table: str) -> list[list[str]]:
        rows = table.split("<tbody>", 1)[1].split("</tr>")
        return [re.findall(r"<td[^>]*>([^<]*)</td>", row)[-2:] for row in rows if "<td" in row]

    assert fronts(tables[0]) == [["no", "no"], ["yes", "no"], ["yes", "no"], ["—", "—"]]
    assert fronts(tables[1]) == [["no", "yes"], ["yes", "no"], ["yes", "yes"], ["—", "—"]]
    # Each version with its model, where the versions list names it.
    assert "v1.1 · gpt-4o-mini" in markup and "v2.0 · o1" in markup


@pytest.mark.parametrize("name", NAMES)
def test_dollar_amounts_never_reach_jupyter_s_math_typesetter(name: str) -> None:
    """JupyterLab typesets ``$…$`` as math in Markdown and in HTML outputs: "$0.0005 ($0.0004–$0.0006)"
    would lose its dollars. Markdown writes amounts as "USD 0.0005"; HTML outputs with a dollar sit
    in a container MathJax skips (class ``mathjax_ignore``, ``tex2jax_ignore`` for MathJax 2)."""
    notebook = stored(name)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            assert "$" not in source(cell), f"{name}: a Markdown cell has a dollar sign: {source(cell)[:80]!r}"
    for cell in code_cells(notebook):
        for out in cell["outputs"]:
            markup = source({"source": out.get("data", {}).get("text/html", "")})
            if "$" in markup:
                assert re.match(r'(<style>.*?</style>)?<div class="[^"]*\bmathjax_ignore\b', markup, re.S), (
                    f"{name}: an HTML output with a dollar sign is not kept from MathJax: {markup[:120]!r}"
                )
