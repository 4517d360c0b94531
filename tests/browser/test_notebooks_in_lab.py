"""Each curated notebook run in JupyterLab in headless Chromium, as a person would.

Open the notebook, Run → Run All Cells, wait until every code cell has an execution count and the
kernel is idle, then check what a person sees: no traceback, every chart drawn with marks, every
widget displayed. A full-page screenshot goes to ``reports/artifacts/browser/``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

import roe_analysis as ra
from roe_analysis import JobFrames
from roe_analysis import widgets as rw
from roe_analysis.frames import filter_frames
from roe_analysis.widgets import format_table

from .conftest import ARTIFACTS, NOTEBOOKS, Lab

pytestmark = pytest.mark.browser

CURATED = sorted(path.stem for path in NOTEBOOKS.glob("0*.ipynb"))
RUN_TIMEOUT_MS = 90_000

#: True once every code cell shows an execution count and the kernel reports idle.
ALL_RUN = r"""() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
  if (prompts.length === 0) return false;
  const done = prompts.every(p => /^\[\d+\]:$/.test(p.textContent.trim()));
  const busy = document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="busy"]');
  return done && !busy;
}"""

KERNEL_STATE = r"""() => {
  if (document.querySelector('.jp-Dialog')) return 'dialog';
  const bar = document.querySelector('#jp-main-statusbar');
  return bar && /\|\s*Idle/.test(bar.textContent) ? 'idle' : false;
}"""

#: Per chart: its SVG/canvas size and how many drawn data marks it has.
CHARTS = r"""() => [...document.querySelectorAll('.vega-embed')].map(e => {
  const g = e.querySelector('svg, canvas');
  const box = g ? g.getBoundingClientRect() : {width: 0, height: 0};
  const marks = e.querySelectorAll(
    'svg .mark-rect path, svg .mark-symbol path, svg .mark-line path, svg .mark-area path,'
    + ' svg .mark-rule line, svg .mark-tick rect, svg .mark-text text, svg .mark-arc path').length;
  return {canvas: g && g.tagName === 'CANVAS', width: box.width, height: box.height, marks};
}).concat([...document.querySelectorAll(
  '.jp-OutputArea-output[data-mime-type="image/svg+xml"] img')].map(img => {
  // nb.setup() renders charts as static SVG: JupyterLab shows it as an <img> with a data URI.
  const svg = decodeURIComponent(img.getAttribute('src').replace(/^data:image\/svg\+xml[^,]*,/, ''));
  const mark = /class="mark-(rect|symbol|line|area|rule|tick|arc)[^"]*"[^>]*>\s*<(path|line|rect)/g;
  const marks = (svg.match(mark) || []).length;
  const box = img.getBoundingClientRect();
  return {canvas: false, width: box.width, height: box.height, marks};
}))"""


def run_all(page: Any, lab: Lab, name: str) -> None:
    page.goto(lab.tree(f"{name}.ipynb"))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # Lab may ask which kernel (a dialog) before starting it; the status bar then says "| Idle".
    for _ in range(2):
        state = page.wait_for_function(KERNEL_STATE, timeout=60_000, polling=200).json_value()
        if state == "idle":
            break
        page.locator(".jp-Dialog").get_by_role("button", name="Select").click()
        page.wait_for_selector(".jp-Dialog", state="detached", timeout=10_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    try:
        page.wait_for_function(ALL_RUN, timeout=RUN_TIMEOUT_MS, polling=500)
    except Exception:
        screenshot(page, name, "timeout")
        raise


def screenshot(page: Any, name: str, step: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # JupyterLab scrolls inside the notebook panel: widen the page to the notebook's height first.
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.jp-WindowedPanel-inner, .jp-Notebook')]"
        ".map(e => e.scrollHeight)) + 200"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height), 30_000)})
    page.evaluate("() => document.querySelectorAll('.jp-WindowedPanel-outer').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(300)  # one layout pass at the new size, not a wait for data
    page.screenshot(path=str(ARTIFACTS / f"{name}-{step}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def tracebacks(page: Any) -> list[str]:
    texts = page.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
    ).all_inner_texts()
    return [t for t in texts if "Traceback" in t or "Error" in t]


@pytest.fixture(scope="module")
def notebook(browser: Any, lab: Lab) -> Iterator[Callable[[str], Any]]:
    """``notebook(name)``: the page of ``name`` after Run All, run once per session and kept open.

    The run test of a notebook comes first (file order); the tests that then operate its widgets
    find it already run, so each notebook runs once.
    """
    pages: dict[str, Any] = {}
    contexts: list[Any] = []

    def open_notebook(name: str) -> Any:
        if name not in pages:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            page = context.new_page()
            run_all(page, lab, name)
            pages[name] = page
        return pages[name]

    yield open_notebook
    for context in contexts:
        context.close()


@pytest.mark.parametrize("name", CURATED)
def test_notebook_runs_and_shows_everything(notebook: Callable[[str], Any], name: str) -> None:
    page = notebook(name)
    screenshot(page, name, "run")

    assert tracebacks(page) == []
    charts = page.evaluate(CHARTS)
    assert charts, f"{name}: no chart rendered"
    for index, chart in enumerate(charts):
        assert chart["width"] > 0 and chart["height"] > 0, f"{name}: chart {index} has no size: {chart}"
        assert chart["canvas"] or chart["marks"] > 0, f"{name}: chart {index} has no marks: {chart}"
    text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text
    assert "Loading widget..." not in text
    # Tables are formatted, never raw Polars HTML (no "shape: (3, 10)", no dtype row).
    assert page.locator(".jp-OutputArea-output .dataframe").count() == 0
    assert "shape: (" not in text


# --- operating the widgets as a person would ------------------------------------------------------


def cell_with(page: Any, text: str) -> Any:
    """The output area of the one cell whose output shows ``text`` (a widget's own label)."""
    cells = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-OutputArea", has_text=text))
    assert cells.count() == 1, f"{cells.count()} cells show {text!r}"
    return cells.first.locator(".jp-OutputArea")


def labelled(area: Any, kind: str, label: str) -> Any:
    """The control of widget class ``kind`` (e.g. "widget-dropdown") whose label reads ``label``."""
    exact = re.compile(rf"^{re.escape(label)}$")
    return area.locator(f".{kind}").filter(has=area.page.locator("label.widget-label", has_text=exact)).first


def table_rows(area: Any) -> list[list[str]]:
    """The body rows of the first formatted table in ``area``, as cell texts."""
    rows = area.locator(".roe-table").first.locator("tbody tr")
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]


def svg_versions(area: Any) -> set[str]:
    """The agent versions a chart in ``area`` draws, read from its marks' descriptions."""
    sources = area.locator('.jp-OutputArea-output[data-mime-type="image/svg+xml"] img').evaluate_all(
        "imgs => imgs.map(i => decodeURIComponent(i.getAttribute('src').replace(/^data:image\\/svg\\+xml[^,]*,/, '')))"
    )
    # "Agent version: v1.0; …" (the default ARIA label) or "Agent version v1.0, created …" (job_volume's)
    return {v for svg in sources for v in re.findall(r"Agent version:? ([^;,\"]+)", svg)}


def clipped_labels(area: Any) -> list[str]:
    """The control labels and buttons in ``area`` whose text does not fit (shown cut, "From (UT…")."""
    return list(
        area.locator(".widget-label, .widget-toggle-button, .widget-button").evaluate_all(
            "els => els.filter(e => e.offsetWidth > 0 && e.scrollWidth > e.clientWidth).map(e => e.textContent)"
        )
    )


def alignments(area: Any) -> list[str]:
    """How the cells of the first row of the first table in ``area`` are aligned, as the browser computed it."""
    cells = area.locator(".roe-table tbody tr").first.locator("td")
    return list(cells.evaluate_all("els => els.map(e => getComputedStyle(e).textAlign)"))


def status_by_version(frames: JobFrames) -> list[list[str]]:
    """The "Status by version" table as it should read: counts from the library, formatted."""
    volume = ra.job_volume(frames, every=None, by="agent_version_name", columns="status")
    return [list(row.values()) for row in format_table(volume).to_dicts()]


def test_the_filter_panel_redraws_its_views_and_says_when_nothing_matches(
    notebook: Callable[[str], Any], demo: JobFrames
) -> None:
    page = notebook("01_load_and_overview")
    panel = cell_with(page, "Clear filters")
    summary = panel.locator(".widget-html").filter(has_text="of 1,500 jobs").first
    expect(summary).to_have_text(re.compile(r"1,500 of 1,500 jobs match"))
    assert table_rows(panel) == status_by_version(demo)
    assert svg_versions(panel) == {"v1.0", "v1.1", "v2.0", "v2.1-canary"}
    assert clipped_labels(panel) == []
    # Labels read from the left, numbers from the right (JupyterLab's own rule would right-align all).
    assert alignments(panel) == ["left", *["right"] * 9]

    # One version: the count, the table and the chart follow.
    labelled(panel, "widget-select-multiple", "Versions").locator("select").select_option(["v1.1"])
    expect(summary).to_have_text(re.compile(r"488 of 1,500 jobs match"))
    expected = status_by_version(filter_frames(demo, versions=["v1.1"]))
    expect(panel.locator(".roe-table tbody tr")).to_have_count(len(expected))
    assert table_rows(panel) == expected and expected[0][0] == "v1.1"
    assert svg_versions(panel) == {"v1.1"}
    screenshot(page, "01_load_and_overview", "one-version")

    # Dates, both ends included (UTC days): the library says how many jobs that leaves.
    dates = labelled(panel, "widget-datepicker", "From (UTC)").locator("input")
    dates.fill("2026-04-25")
    dates.dispatch_event("change")
    n = filter_frames(demo, versions=["v1.1"], created_from=date(2026, 4, 25)).jobs.height
    expect(summary).to_have_text(re.compile(rf"{n:,} of 1,500 jobs match"))
    assert 0 < n < 488

    # Reversed dates: the error is said, and the views say they were not redrawn.
    until = labelled(panel, "widget-datepicker", "To (UTC)").locator("input")
    until.fill("2026-04-20")
    until.dispatch_event("change")
    expect(panel.get_by_text("Not redrawn: the creation dates are reversed").first).to_be_visible()
    assert panel.locator(".roe-table").count() == 0
    screenshot(page, "01_load_and_overview", "reversed-dates")

    # Nothing matches: every view says so instead of drawing an empty chart or crashing.
    until.fill("2026-04-26")
    until.dispatch_event("change")
    labelled(panel, "widget-select-multiple", "Versions").locator("select").select_option([])
    expect(panel.get_by_text("No jobs match these filters. Widen them, or press Clear filters.")).to_have_count(2)
    assert tracebacks(page) == []
    screenshot(page, "01_load_and_overview", "nothing-matches")

    panel.get_by_role("button", name="Clear filters").click()
    expect(summary).to_have_text(re.compile(r"1,500 of 1,500 jobs match"))
    expect(panel.locator(".roe-table tbody tr")).to_have_count(4)  # the views follow the summary
    assert table_rows(panel) == status_by_version(demo)


def test_the_version_picker_compares_the_versions_picked(notebook: Callable[[str], Any], demo: JobFrames) -> None:
    page = notebook("03_grader_scores")
    picker = cell_with(page, "A (baseline)")
    verdict = picker.locator(".widget-html b").first

    def expected(a: str, b: str) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(ra.compare_versions(demo, a, b).item(0, "verdict"))

    expect(verdict).to_have_text(expected("v1.1", "v2.0"))
    assert clipped_labels(picker) == []
    labelled(picker, "widget-dropdown", "A (baseline)").locator("select").select_option("v1.0")
    expect(verdict).to_have_text(expected("v1.0", "v2.0"))
    assert svg_versions(picker) <= {"v1.0", "v2.0"}
    labelled(picker, "widget-dropdown", "B").locator("select").select_option("v1.0")
    expect(picker.get_by_text("Pick two different versions.")).to_be_visible()
    labelled(picker, "widget-dropdown", "B").locator("select").select_option("v1.1")
    expect(verdict).to_have_text(expected("v1.0", "v1.1"))
    assert tracebacks(page) == []
    screenshot(page, "03_grader_scores", "picker-v1.0-v1.1")


def test_the_disagreement_pager_pages_and_switches_kind(notebook: Callable[[str], Any], demo: JobFrames) -> None:
    page = notebook("04_reviewer_agreement")
    pager = cell_with(page, "Next ▶")
    reference = rw.disagreement_table(demo, page_size=8)
    ids = reference.rows.get_column("job_id").to_list()
    pages = -(-len(ids) // 8)

    def first_ids() -> list[str]:
        return [row[0] for row in table_rows(pager)]

    position = pager.get_by_text(re.compile(r"^Rows \d"))
    expect(position).to_have_text(f"Rows 1–8 of {len(ids)} (page 1 of {pages})")
    assert first_ids() == ids[:8]
    assert clipped_labels(pager) == []
    # Ids and e-mails stay on one line: the page scrolls sideways instead of squeezing them.
    for column in (1, 6):
        lines = pager.locator(f".roe-table tbody tr td:nth-child({column})").evaluate_all(
            "els => els.map(e => { const r = document.createRange(); r.selectNodeContents(e); "
            "return r.getClientRects().length; })"
        )
        assert set(lines) == {1}, (column, lines)
    pager.get_by_role("button", name="Next ▶").click()
    expect(position).to_have_text(f"Rows 9–16 of {len(ids)} (page 2 of {pages})")
    assert first_ids() == ids[8:16]
    pager.get_by_role("button", name="◀ Previous").click()
    expect(position).to_have_text(f"Rows 1–8 of {len(ids)} (page 1 of {pages})")

    reference.kind.value = "score"
    scores = reference.rows.get_column("job_id").to_list()
    pager.get_by_role("button", name=re.compile("scores", re.IGNORECASE)).click()
    expect(position).to_have_text(f"Rows 1–8 of {len(scores)} (page 1 of {-(-len(scores) // 8)})")
    assert first_ids() == scores[:8]
    assert tracebacks(page) == []
    screenshot(page, "04_reviewer_agreement", "pager-scores")
