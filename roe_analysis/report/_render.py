"""The report as one self-contained HTML file.

The page is static: charts are inline SVG rendered offline (see `roe_analysis.report._svg`), the
style sheet is inline, and a Content-Security-Policy ``default-src 'none'`` tells the browser to
load nothing and run nothing, so the file opens the same with or without a network. Every value
that comes from the API (ids, agent names, version names and models, inputs, agent output,
reviewers, comments, verdicts, the helpers' messages that quote them) goes through `html.escape`
(`_markup._e`) before it is written; the only raw markup is the report's own.

This module puts the page together; its parts live beside it: ``_page`` (style sheet, CSP, the
chart collector), ``_markup`` (escaping, cells, tables), one module per section (``_overview``,
``_statuses``, ``_failures``, ``_durations``, ``_scores``, ``_agreement``, ``_costs``,
``_disagreements``, ``_notes``), ``_money`` (dollars, and the cost key figure) and ``_files``
(writing a file atomically).

Apart from the "generated at" line (``generated_at`` makes it fixed), the same frames give the same
bytes: the helpers are seeded, tables are sorted, and vl-convert renders deterministically.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roe_analysis._text import plural
from roe_analysis._version import __version__
from roe_analysis.errors import ArgumentTypeError, InvalidArgumentError
from roe_analysis.frames import JobFrames
from roe_analysis.report._agreement import _agreement
from roe_analysis.report._analyses import Analyses, analyse
from roe_analysis.report._costs import _costs
from roe_analysis.report._disagreements import _disagreements
from roe_analysis.report._durations import _durations
from roe_analysis.report._failures import _failures
from roe_analysis.report._figures import figures_from
from roe_analysis.report._files import write_text_atomically
from roe_analysis.report._headline import headline
from roe_analysis.report._markup import _e
from roe_analysis.report._notes import _notes
from roe_analysis.report._overview import _key_figures, _title_block
from roe_analysis.report._page import _CSP, _CSS, _Page, default_title
from roe_analysis.report._scores import _scores
from roe_analysis.report._statuses import _statuses


def _check_instant(value: object, name: str) -> None:
    if value is not None and not isinstance(value, datetime):
        raise ArgumentTypeError(f"{name} must be a timezone-aware datetime, e.g. datetime.now(UTC); got {value!r}")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidArgumentError(f"{name} must be a timezone-aware datetime; got {value!r}: add tzinfo=UTC")


def comparisons(a: Analyses) -> dict[str, list[dict[str, Any]]]:
    """The version comparisons "What changed" lists, by metric (pass rates only with a threshold, costs
    only with results)."""
    rows = {"grader_score": a.score_comparisons.to_dicts(), "duration_ms": a.duration_comparisons.to_dicts()}
    if a.pass_comparisons is not None:
        rows["pass_rate"] = a.pass_comparisons.to_dicts()
    if a.cost_comparisons is not None:
        rows["cost"] = a.cost_comparisons.to_dicts()
    return rows


def render(
    frames: JobFrames,
    *,
    title: str | None = None,
    threshold: float | None = None,
    generated_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """The report's HTML and the key figures it opens with, from one run of the helpers."""
    _check_instant(generated_at, "generated_at")
    _check_instant(now, "now")
    analyses = analyse(frames, threshold=threshold, now=now)
    figures = figures_from(analyses)
    page = _Page()
    heading = title if title is not None else default_title(figures)
    body = [
        _title_block(
            figures,
            heading,
            generated_at or datetime.now(UTC),
            headline=headline(analyses),
            # Without the versions frame the default title can only name the agent by its id.
            name_note=title is None and len(figures["agents"]) == 1 and not figures["agent_names"],
            colours=analyses.colours,
        ),
        _key_figures(figures, comparisons(analyses)),
        _statuses(analyses),
        _failures(analyses, page),
        _durations(analyses, page),
        _scores(analyses, page),
        _agreement(analyses, page),
        _costs(analyses, page),
        _disagreements(analyses),
        _notes(analyses),
    ]
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="roe-analysis {_e(__version__)}">\n'
        f"<title>{_e(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n<footer>{_e(plural(len(page.charts), 'chart'))} · roe-analysis {_e(__version__)}</footer>\n"
        + "</main>\n</body>\n</html>\n"
    )
    return document, figures


def build_report(
    frames: JobFrames,
    *,
    title: str | None = None,
    threshold: float | None = None,
    generated_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """The evaluation report of ``frames`` as one self-contained HTML document.

    It opens with a title block (the agent's name and id, versions with their models, window, data
    freshness, library version) and the key figures, then statuses, failures, durations, grader
    scores, reviewer agreement, cost (with results) and the disagreements most worth reading, each
    chart an inline SVG. The file needs no network and no JavaScript, and every value
    from the jobs is HTML-escaped. A section without data says so instead of drawing an empty chart.

    Args:
        frames: the loaded jobs.
        title: the page title; ``"Evaluation report: <agent name>"`` by default (``agent <id>``
            when the frames have no versions frame to name it).
        threshold: pass mark of the grader score; adds pass rates and pass-rate comparisons.
        generated_at: the instant written in the "Report generated" line (now by default); with
            it fixed, the same frames give byte-identical HTML.
        now: the instant jobs still running are measured to, so the median that counts them
            (Kaplan–Meier) treats them as running for at least that long; by default the instant the
            data was fetched (the server's ``Date`` on the load), so pinned data gives the same report.

    Examples:
        >>> from datetime import datetime, timezone
        >>> import roe_analysis as ra
        >>> page = build_report(ra.JobFrames.empty(), generated_at=datetime(2026, 6, 1, tzinfo=timezone.utc))
        >>> page.startswith("<!DOCTYPE html>"), "<script" in page, "No jobs in this data" in page
        (True, False, True)
    """
    return render(frames, title=title, threshold=threshold, generated_at=generated_at, now=now)[0]


def write_report(frames: JobFrames, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write `build_report` of ``frames`` to ``path`` atomically, creating parent folders.

    Args:
        frames: the loaded jobs.
        path: the HTML file to write (replaced if it exists).
        **options: `build_report`'s keyword arguments (``title``, ``threshold``, ``generated_at``, ``now``).

    Returns:
        The path written.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import roe_analysis as ra
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     written = write_report(ra.JobFrames.empty(), Path(folder) / "out" / "report.html")
        ...     print(written.name, written.read_text(encoding="utf-8").count("<svg"))
        report.html 0
    """
    return write_text_atomically(path, build_report(frames, **options))
