"""`roe_analysis.notebook`: choosing the data source, loading or opening a snapshot, stable outputs."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import pytest

import roe_analysis as ra
from roe_analysis import ConfigurationError, JobFrames
from roe_analysis import notebook as nb
from roe_analysis.sandbox import REFERENCE_TIME

ORG = "3f2b8c1e-0000-4000-8000-000000000001"
AGENT = "00000000-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module")
def sandbox_conn() -> Iterator[nb.Connection]:
    with nb.connect(environ={}) as conn:
        yield conn


# -- where the data comes from ----------------------------------------------------------------------


def test_without_a_key_the_sandbox_is_used_and_said(sandbox_conn: nb.Connection) -> None:
    assert sandbox_conn.is_sandbox
    assert sandbox_conn.sandbox is not None
    assert sandbox_conn.agent_id == sandbox_conn.sandbox.agents["demo"]
    base = sandbox_conn.sandbox.base_url
    assert sandbox_conn.description.startswith(f"Using the bundled sandbox at {base} (seeded synthetic data, seed 0,")
    assert "ROE_API_KEY is not set" in sandbox_conn.description
    assert repr(sandbox_conn) == f"Connection(base_url={base!r}, agent_id={sandbox_conn.agent_id!r}, sandbox=True)"


def test_with_a_key_the_account_is_used_and_said_without_sending_a_request() -> None:
    env = {"ROE_API_KEY": "secret-key", "ROE_ORGANIZATION_ID": ORG}
    with nb.connect(agent_id=AGENT, environ=env) as conn:
        assert not conn.is_sandbox
        assert conn.description == (
            f"Using https://api.roe-ai.com (organization {ORG}) with the API key from ROE_API_KEY; agent {AGENT}."
        )
        assert conn.client.stats.requests == 0
        assert conn.example_job_ids("html_injection") == []
    with nb.connect(agent_id=AGENT, base_url="https://api.tenant.roe-ai.com", environ=env) as conn:
        assert conn.description.startswith("Using https://api.tenant.roe-ai.com (organization")
    assert "secret-key" not in conn.description + repr(conn)


def test_with_a_key_but_no_agent_the_message_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="set AGENT_ID"):
        nb.connect(environ={"ROE_API_KEY": "k", "ROE_ORGANIZATION_ID": ORG})


def test_the_process_environment_decides_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROE_API_KEY", "secret-key")
    monkeypatch.setenv("ROE_ORGANIZATION_ID", ORG)
    with nb.connect(agent_id=AGENT) as conn:
        assert not conn.is_sandbox
    monkeypatch.delenv("ROE_API_KEY")
    with nb.connect() as conn:
        assert conn.is_sandbox


def test_the_sandbox_seed_changes_the_data() -> None:
    with nb.connect(environ={}, seed=1) as conn:
        assert "seed 1" in conn.description
        assert conn.load().jobs.height == 1500


# -- loading ----------------------------------------------------------------------------------------


def test_load_fetches_and_records_when_the_data_describes(sandbox_conn: nb.Connection) -> None:
    frames = sandbox_conn.load()
    assert frames.jobs.height == 1500
    assert (
        sandbox_conn.loaded_from
        == f"Fetched 1,500 jobs of agent {sandbox_conn.agent_id} from the sandbox in 15 requests."
    )
    assert sandbox_conn.observed_at == REFERENCE_TIME


def test_load_passes_filters_and_keeps_versions(sandbox_conn: nb.Connection) -> None:
    frames = sandbox_conn.load(created_from="2026-05-20T00:00:00Z", created_to=None, versions=["v2.0"])
    assert set(frames.jobs.get_column("agent_version_name")) == {"v2.0"}
    assert frames.jobs.get_column("created_at").min() >= datetime(2026, 5, 20, tzinfo=UTC)  # type: ignore[operator]


def test_a_snapshot_is_written_once_then_opened_without_a_request(tmp_path: Path) -> None:
    folder = tmp_path / "demo-snapshot"
    with nb.connect(environ={}) as first:
        fetched = first.load(snapshot=folder)
        assert first.loaded_from.endswith(f"Saved them as a snapshot at {folder}.")
    with nb.connect(environ={}) as second:
        assert second.sandbox is not None
        second.sandbox.clear_requests()
        opened = second.load(snapshot=folder, versions=["v1.0"])
        assert second.sandbox.requests == []
        assert second.loaded_from == f"Opened the snapshot at {folder}: 1,500 jobs, nothing fetched."
        assert second.observed_at == REFERENCE_TIME
        assert opened.jobs.equals(fetched.jobs.filter(pl.col("agent_version_name") == "v1.0"))
        with pytest.raises(ConfigurationError, match="only apply when fetching"):
            second.load(snapshot=folder, created_from="2026-05-01T00:00:00Z")


def test_load_with_costs_adds_every_job_s_result_and_the_versions(sandbox_conn: nb.Connection) -> None:
    """What 05_cost_and_quality loads: 15 pages, 2 batches of results (1,000 ids at most), 1 versions list."""
    frames = sandbox_conn.load(costs=True)
    assert sandbox_conn.loaded_from.endswith("from the sandbox in 18 requests.")
    assert frames.results.height == frames.jobs.height == 1500
    assert set(frames.results.get_column("job_id")) == set(frames.jobs.get_column("id"))
    models = dict(frames.versions.select("version_name", "model").iter_rows())
    assert models == {"v1.0": None, "v1.1": "gpt-4o-mini", "v2.0": "o1", "v2.2-draft": "gpt-4.1"}
    assert ra.version_labels(frames).get_column("label").to_list() == [
        "v1.0", "v1.1 · gpt-4o-mini", "v2.0 · o1", "v2.1-canary", "v2.2-draft · gpt-4.1",
    ]  # fmt: skip


def test_a_snapshot_without_costs_gets_them_fetched_and_stays_as_saved(tmp_path: Path) -> None:
    folder = tmp_path / "no-costs"
    with nb.connect(environ={}) as conn:
        conn.load(snapshot=folder)
        saved = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        assert conn.sandbox is not None
        conn.sandbox.clear_requests()
        frames = conn.load(snapshot=folder, costs=True, versions=["v1.1", "v2.0"])
        assert conn.loaded_from == (
            f"Opened the snapshot at {folder}: 1,500 jobs; it had no versions or results, fetched now "
            "(the snapshot is unchanged)."
        )
        assert len(conn.sandbox.requests) == 3  # the versions list, then two batches of results
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == saved
    assert set(frames.results.get_column("job_id")) == set(frames.jobs.get_column("id"))
    assert set(frames.jobs.get_column("agent_version_name")) == {"v1.1", "v2.0"}
    assert ra.cost_summary(frames).get_column("n_with_cost").to_list() == [488, 475]


def test_example_job_ids(sandbox_conn: nb.Connection) -> None:
    assert sandbox_conn.sandbox is not None
    assert sandbox_conn.example_job_ids("html_injection", "unicode") == [
        sandbox_conn.sandbox.special_job_ids["html_injection"],
        sandbox_conn.sandbox.special_job_ids["unicode"],
    ]
    with pytest.raises(KeyError, match="no sandbox example named"):
        sandbox_conn.example_job_ids("nope")


def test_describe(sandbox_conn: nb.Connection) -> None:
    text = nb.describe(sandbox_conn.load())
    assert text.splitlines()[:2] == ["jobs:      1,500", "versions:  v1.0 524, v1.1 488, v2.0 484, v2.1-canary 4"]


# -- choosing versions ------------------------------------------------------------------------------


def _versions(*names: str) -> JobFrames:
    records = [
        {"id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": v, "status_code": 3,
         "created_at": f"2026-05-{n + 1:02d}T10:00:00Z"}
        for n, v in enumerate(names)
    ]  # fmt: skip
    return JobFrames.from_records(records, agent_id=AGENT)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, None, ("v2", "v3")),
        ("v1", None, ("v1", "v3")),
        (None, "v1", ("v3", "v1")),
        ("v3", "v1", ("v3", "v1")),
    ],
)
def test_pick_versions(a: str | None, b: str | None, expected: tuple[str, str]) -> None:
    # first seen: v1, v2, v3 (the names are not in that order alphabetically on purpose below)
    assert nb.pick_versions(_versions("v1", "v2", "v3", "v1"), a, b) == expected


def test_pick_versions_uses_first_appearance_not_names() -> None:
    assert nb.pick_versions(_versions("v10", "v9", "v11")) == ("v9", "v11")
    with pytest.raises(ConfigurationError, match="needs two"):
        nb.pick_versions(_versions("v1", "v1"))


# -- stable outputs ---------------------------------------------------------------------------------


@pytest.fixture
def restore_settings() -> Iterator[None]:
    renderer, formatwarning = alt.renderers.active, warnings.formatwarning
    yield
    alt.renderers.enable(renderer)
    warnings.formatwarning = formatwarning
    pl.Config.restore_defaults()


@pytest.mark.usefixtures("restore_settings")
def test_setup_makes_charts_svg_and_warnings_one_line() -> None:
    nb.setup()
    assert alt.renderers.active == nb.CHART_RENDERER == "roe-svg"
    bundle = alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    # The text names Arial's metric twins (vl-convert's widths), not the browser's wider default.
    families = set(re.findall(r'font-family="([^"]*)"', bundle["image/svg+xml"]))
    assert families == {html.escape(ra.charts.SVG_FONT_FAMILY)}
    assert html.unescape(families.pop()).startswith('Arial, Helvetica, "Liberation Sans"')
    assert (
        bundle["image/svg+xml"]
        == (alt.Chart(pl.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")._repr_mimebundle_()["image/svg+xml"])
    )
    line = warnings.formatwarning("kappa is deflated", ra.PrevalenceSkewWarning, "/some/path/_agreement.py", 412)
    assert line == "PrevalenceSkewWarning: kappa is deflated\n"
    assert "0.1235" in repr(pl.DataFrame({"x": [0.123456]}))


# -- cleaning executed notebooks --------------------------------------------------------------------


def _executed() -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            "jupytext": {"formats": "ipynb,py:percent", "text_representation": {"jupytext_version": "1.19.6"}},
        },
        "cells": [
            {"cell_type": "markdown", "id": "random-1", "metadata": {"jp-MarkdownHeadingCollapsed": True},
             "source": "# Title", "attachments": {}},
            {"cell_type": "code", "id": "random-2", "execution_count": 12, "source": "X = 1",
             "metadata": {"tags": ["parameters"], "execution": {"iopub.execute_input": "2026-11-29T10:00:00Z"}},
             "outputs": []},
            {"cell_type": "code", "id": "random-3", "execution_count": 14, "source": "panel",
             "metadata": {"scrolled": True},
             "outputs": [
                 {"output_type": "display_data", "metadata": {}, "transient": {"display_id": "x"},
                  "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "f00d", "version_major": 2,
                                                                        "version_minor": 0},
                           "text/plain": "FilterPanel: …", "text/html": "<div>state</div>"}},
                 {"output_type": "display_data", "metadata": {},
                  "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "beef", "version_major": 2,
                                                                        "version_minor": 0}}},
                 {"output_type": "execute_result", "execution_count": 14, "metadata": {}, "data": {"text/plain": "1"}},
                 {"output_type": "stream", "name": "stdout", "text": "hello\n"},
             ]},
        ],
    }  # fmt: skip


def test_clean_notebook_keeps_what_matters_and_drops_run_noise() -> None:
    raw = _executed()
    cleaned = nb.clean_notebook(raw)
    assert cleaned["metadata"] == {
        "jupytext": {"formats": "ipynb,py:percent"},
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    }
    assert (cleaned["nbformat"], cleaned["nbformat_minor"]) == (4, 5)
    markdown, parameters, code = cleaned["cells"]
    assert markdown == {"cell_type": "markdown", "id": "cell-00", "metadata": {}, "source": "# Title"}
    assert parameters["metadata"] == {"tags": ["parameters"]}
    assert (parameters["id"], parameters["execution_count"]) == ("cell-01", 1)
    assert (code["id"], code["execution_count"], code["metadata"]) == ("cell-02", 2, {})
    assert code["outputs"] == [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/plain": "FilterPanel: …", "text/html": "<div>state</div>"},
        },
        {"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {"text/plain": "1"}},
        {"output_type": "stream", "name": "stdout", "text": "hello\n"},
    ]
    assert nb.clean_notebook(cleaned) == cleaned
    assert raw == _executed()  # the input is not modified
