"""The disagreements section: the jobs most worth reading, with their inputs and the agent's output."""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from roe_analysis._text import column_format
from roe_analysis.frames import JobFrames
from roe_analysis.report._analyses import VERSION, Analyses
from roe_analysis.report._markup import (
    Cell,
    _cut,
    _empty,
    _num,
    _table,
)


def _inputs_text(frames: JobFrames, job_ids: Sequence[str]) -> dict[str, str]:
    """Each job's inputs as ``key: value`` pairs; a file shows its name, never its (signed) URL."""
    inputs = frames.inputs.filter(pl.col("job_id").is_in(list(job_ids))).sort("job_id", "input_index")
    texts: dict[str, list[str]] = {}
    for job_id, key, value, file_name in inputs.select("job_id", "key", "value", "file_name").iter_rows():
        shown = f"file {file_name}" if file_name else (value or "")
        texts.setdefault(job_id, []).append(f"{key}: {_cut(shown)}")
    return {job_id: "; ".join(parts) for job_id, parts in texts.items()}


def _output_text(ui_fields: str | None) -> str:
    """The agent's output (``ui_fields``) as ``key: value`` pairs, each value cut to a readable length."""
    if not ui_fields:
        return ""
    try:
        data = json.loads(ui_fields)
    except ValueError:
        return _cut(ui_fields)
    if not isinstance(data, dict):
        return _cut(json.dumps(data, ensure_ascii=False))
    parts = []
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {_cut(shown)}")
    return "; ".join(parts)


def _outputs(frames: JobFrames, job_ids: Sequence[str]) -> dict[str, str]:
    rows = frames.jobs.filter(pl.col("id").is_in(list(job_ids))).select("id", "ui_fields").iter_rows()
    return {job_id: _output_text(ui) for job_id, ui in rows}


def _disagreements(a: Analyses) -> str:
    out = ['<section id="disagreements"><h2>Disagreements worth reading</h2>']
    gaps = a.score_disagreements
    corrected = (
        a.outcomes.filter(pl.col("agrees").not_())
        .sort(["grader_score", "job_id"], descending=[True, False], nulls_last=True)
        .head(gaps.height if gaps.height else 10)
    )
    ids = [*gaps.get_column("job_id").to_list(), *corrected.get_column("job_id").to_list()]
    inputs = _inputs_text(a.frames, ids)
    outputs = _outputs(a.frames, ids)
    comments = dict(a.frames.jobs.filter(pl.col("id").is_in(ids)).select("id", "review_comment").iter_rows())

    out.append("<h3>Grader and human scores furthest apart</h3>")
    if gaps.height:
        # One number of decimals per column of scores, whatever each score's magnitude.
        score = column_format([*gaps.get_column("grader_score"), *gaps.get_column("human_score")])
        difference = column_format(gaps.get_column("difference").to_list(), signed=True)
        rows = [
            [
                Cell(r["job_id"], "id"),
                Cell(r[VERSION]),
                _num(score(r["grader_score"])),
                _num(score(r["human_score"])),
                _num(difference(r["difference"])),
                Cell(f"{r['review_status'] or '—'} by {r['reviewed_by'] or '(no reviewer)'}"),
                Cell(r["review_comment"], "text"),
                Cell(inputs.get(r["job_id"]), "long"),
                Cell(outputs.get(r["job_id"]), "text"),
            ]
            for r in gaps.iter_rows(named=True)
        ]
        headers = [
            ("Job", ""),
            ("Version", ""),
            ("Grader", "num"),
            ("Human", "num"),
            ("Grader − human", "num"),
            ("Review", ""),
            ("Comment", ""),
            ("Inputs", ""),
            ("Agent output", ""),
        ]
        out.append(_table(headers, rows))
    else:
        out.append(_empty("No job has both a grader and a human score."))

    out.append("<h3>Verdicts reviewers corrected, highest grader score first</h3>")
    if corrected.height:
        grader = column_format(corrected.get_column("grader_score").to_list())
        rows = [
            [
                Cell(r["job_id"], "id"),
                Cell(r[VERSION]),
                Cell(f"{r['agent_verdict']} → {r['final_verdict']}"),
                _num(grader(r["grader_score"])),
                Cell(r["reviewed_by"] or "(no reviewer)"),
                Cell(comments.get(r["job_id"]), "text"),
                Cell(inputs.get(r["job_id"]), "long"),
                Cell(outputs.get(r["job_id"]), "text"),
            ]
            for r in corrected.iter_rows(named=True)
        ]
        headers = [
            ("Job", ""),
            ("Version", ""),
            ("Agent → reviewer", ""),
            ("Grader", "num"),
            ("Reviewer", ""),
            ("Comment", ""),
            ("Inputs", ""),
            ("Agent output", ""),
        ]
        out.append(
            "<p>The grader scored these jobs well, yet a reviewer changed the agent's verdict: the grader "
            "missed what the reviewer saw.</p>" + _table(headers, rows)
        )
    else:
        out.append(_empty("No reviewer corrected a verdict."))
    return "".join([*out, "</section>"])
