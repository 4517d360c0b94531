"""The demo report in a real browser, offline: headless Chromium draws every chart.

The page is opened from disk with every network path closed (a dead proxy, no name resolution), so
anything the report fetched would be missing. The report is the demo agent's as `roe-analysis
report` writes it (results and versions loaded: the cost section and the models). The screenshots,
the whole page and the cost section on its own, are kept as CI artefacts under
``reports/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import roe_analysis as ra
from roe_analysis.report import write_report

from ..chromium import CHROMIUM, require_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "artifacts"
#: Roles of Vega's scaffolding (axes, legends, titles): everything else that is a graphics symbol is data.
SCAFFOLDING = {"axis", "legend", "title", "subtitle"}

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _require_chromium() -> None:
    require_chromium()


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@dataclass
class Chart:
    """What the DOM holds for one chart figure."""

    size: tuple[float, float] | None = None  # the SVG's width and height
    marks: int = 0  # data marks: graphics symbols that are not axes, legends or titles
    drawn: int = 0  # data marks with geometry (a path with a `d`, a line, a rect, a text)
    texts: int = 0


class Charts(HTMLParser):
    """Every chart figure of a DOM, in page order, and how many scripts the page holds."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, Chart] = {}
        self.current: Chart | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        name = a.get("data-chart")
        if tag == "figure" and name:
            self.current = self.charts[name] = Chart()
            return
        chart = self.current
        if chart is None:
            return
        if tag == "svg" and chart.size is None:
            chart.size = (float(a.get("width") or 0), float(a.get("height") or 0))
        role = a.get("aria-roledescription") or ""
        if a.get("role") == "graphics-symbol" and role not in SCAFFOLDING and not role.endswith("container"):
            chart.marks += 1
            if tag in {"line", "rect", "text"} or (tag == "path" and (a.get("d") or "").strip()):
                chart.drawn += 1
        if tag == "text":
            chart.texts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.current = None


@pytest.fixture(scope="module")
def report_file(demo_full_frames: ra.JobFrames) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return write_report(demo_full_frames, ARTIFACTS / "demo-report.html")


def test_every_chart_is_drawn_offline(report_file: Path, tmp_path: Path) -> None:
    result = chromium(tmp_path / "profile", "--dump-dom", report_file.as_uri())

    dom = Charts()
    dom.feed(result.stdout)

    assert dom.scripts == 0
    assert list(dom.charts) == [
        "failure-rate",
        "failure-trend",
        "duration-histogram",
        "duration-ecdf",
        "duration-trend",
        "status-time",
        "duration-comparison",
        "score-by-version",
        "score-comparison",
        "agreement-intervals",
        "confusion-heatmap",
        "reviewer-bars",
        "grader-vs-human",
        "cost-per-approval",
        "cost-comparison",
        "cost-quality-score",
        "cost-quality-approval",
    ]
    for name, chart in dom.charts.items():
        assert chart.size is not None, name
        width, height = chart.size
        assert width > 100 and height > 50, name
        assert chart.drawn > 0 and chart.drawn == chart.marks, name
        assert chart.texts >= 3, name


def test_screenshot_of_the_whole_report_is_kept_as_an_artefact(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "demo-report.png"

    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,4000", report_file.as_uri())

    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 4000)
    assert len(data) > 200_000  # a page of charts and tables, not a blank or error page
    shutil.copyfile(shot, ARTIFACTS / "demo-report.png")


#: Where each figure, chart and table of the cost section sits on the page, as the browser lays it out.
_LAYOUT = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const section = document.querySelector("#costs");
  return {
    figures: [...section.querySelectorAll("figure.chart")].map((f) => ({
      name: f.dataset.chart, figure: box(f), svg: box(f.querySelector("svg")),
      caption: box(f.querySelector("figcaption")),
    })),
    tables: [...section.querySelectorAll(".table-wrap")].map((w) => [w.scrollWidth, w.clientWidth]),
    versions: box(document.querySelector("ul.versions")),
    meta: box(document.querySelector("dl.meta")),
  };
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _lay_out(report: Path) -> tuple[dict[str, Any], list[str]]:
    """The cost section's layout in Chromium at 1280 px, the requests the page made; screenshots kept."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # The page asks for nothing but itself (the other tests close the network; this one counts).
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            layout = page.evaluate(_LAYOUT)
            page.locator("#costs").screenshot(path=str(ARTIFACTS / "demo-report-costs.png"))
            page.locator("header.title").screenshot(path=str(ARTIFACTS / "demo-report-title.png"))
        finally:
            browser.close()
    return layout, requests


def test_the_cost_section_fits_the_page_and_is_kept_as_a_screenshot(report_file: Path) -> None:
    # Playwright's sync API refuses a thread whose asyncio loop runs (the lab suite's, in one
    # `make browser` session): this one gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        layout, requests = pool.submit(_lay_out, report_file).result(timeout=120)

    assert requests == [report_file.as_uri()]
    # The cost table reads without scrolling sideways at a laptop's width.
    assert layout["tables"] and all(scroll <= client for scroll, client in layout["tables"]), layout["tables"]
    figures = layout["figures"]
    assert [f["name"] for f in figures] == [
        "cost-per-approval",
        "cost-comparison",
        "cost-quality-score",
        "cost-quality-approval",
    ]
    for f in figures:
        left, top, right, bottom = f["figure"]
        svg = f["svg"]
        # Each chart is drawn whole inside its frame, and its caption below it.
        assert left <= svg[0] and svg[2] <= right and top <= svg[1] and svg[3] <= bottom, f
        assert f["caption"][1] >= svg[3] - 0.5, f
    for i, a in enumerate(figures):
        for b in figures[i + 1 :]:
            assert not _overlap(a["figure"], b["figure"]), (a["name"], b["name"])
    # The versions with their models sit inside the title block, not over its other rows.
    versions, meta = layout["versions"], layout["meta"]
    assert meta[0] <= versions[0] and versions[2] <= meta[2]
