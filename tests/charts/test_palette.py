"""The one version palette: order of first appearance, grey past its end, the same colour whatever subset."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from roe_analysis import JobFrames
from roe_analysis import charts as rc
from roe_analysis.charts import EXTRA_VERSION_COLOUR, VERSION_COLOURS, version_colours, version_order, version_scale
from roe_analysis.errors import ArgumentTypeError, MissingColumnsError


def jobs(rows: list[tuple[str | None, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "agent_version_name": [v for v, _ in rows],
            "created_at": [datetime(2026, 5, day, tzinfo=UTC) for _, day in rows],
        }
    )


def test_versions_are_ordered_by_their_earliest_job_not_by_name() -> None:
    # v10 first ran on May 1, v9 on May 2 (its later job on May 5 does not move it); no name gets a colour.
    frame = jobs([("v9", 5), ("v10", 3), ("v9", 2), (None, 1), ("v10", 1), ("canary", 4)])

    assert version_order(frame) == ["v10", "v9", "canary"]
    assert version_colours(frame) == {"v10": VERSION_COLOURS[0], "v9": VERSION_COLOURS[1], "canary": VERSION_COLOURS[2]}


def test_version_order_of_job_frames() -> None:
    records = [
        {"id": f"00000000-0000-4000-8000-{n:012d}", "agent_version_name": v, "status_code": 3, "created_at": t}
        for n, (v, t) in enumerate([("b", "2026-05-02T00:00:00Z"), ("a", "2026-05-03T00:00:00Z")])
    ]
    frames = JobFrames.from_records(records, agent_id="00000000-0000-4000-8000-0000000000aa")

    assert version_order(frames) == ["b", "a"]
    assert version_order(JobFrames.empty()) == []


def test_versions_past_the_palette_are_grey() -> None:
    names = [f"v{i}" for i in range(len(VERSION_COLOURS) + 2)]

    colours = version_colours(names)

    assert list(colours.values()) == [*VERSION_COLOURS, EXTRA_VERSION_COLOUR, EXTRA_VERSION_COLOUR]


def test_a_subset_keeps_its_colours_and_its_legend_lists_only_what_is_drawn() -> None:
    colours = version_colours(["v1.0", "v1.1", "v2.0"])

    # A vs B picked as v1.0 and v2.0: v2.0 keeps the third colour, v1.1 is not in the legend.
    assert version_scale(["v2.0", "v1.0"], colours).to_dict() == {
        "domain": ["v1.0", "v2.0"],
        "range": [VERSION_COLOURS[0], VERSION_COLOURS[2]],
    }
    # A version the mapping does not know is grey, listed after the known ones.
    assert version_scale(["zz", "v1.1"], colours).to_dict() == {
        "domain": ["v1.1", "zz"],
        "range": [VERSION_COLOURS[1], EXTRA_VERSION_COLOUR],
    }


def test_every_version_chart_takes_the_mapping() -> None:
    colours = version_colours(["v1", "v2", "v3"])
    volume = pl.DataFrame({"period_start": [datetime(2026, 5, 1, tzinfo=UTC)], "agent_version_name": ["v3"], "n": [2]})

    spec = rc.job_volume(volume, colours=colours).to_dict()

    assert spec["encoding"]["color"]["scale"] == {"domain": ["v3"], "range": [VERSION_COLOURS[2]]}


def test_bad_input_is_refused() -> None:
    with pytest.raises(MissingColumnsError, match=r"version_order: missing column \['created_at'\]"):
        version_order(pl.DataFrame({"agent_version_name": ["v1"]}))
    with pytest.raises(ArgumentTypeError, match="version_order expects JobFrames"):
        version_order([1])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="version_colours expects"):
        version_colours("v1")
