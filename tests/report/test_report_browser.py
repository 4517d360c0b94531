"""The demo report in a real browser, offline: headless Chromium draws every chart.

The page is opened from disk with every network path closed (a dead proxy, no name resolution), so
anything the report fetched would be missing. The screenshot is kept as a CI artefact under
``reports/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

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
def report_file(demo_frames: ra.JobFrames) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return write_report(demo_frames, ARTIFACTS / "demo-report.html")


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
