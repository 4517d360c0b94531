"""Which scale a score column is on, recognised from its observed range.

Scores have no fixed scale: 0–1, 1–5, 0–10 and 0–100 all occur, and different agents (or the
grader and the humans) use different ones. Nothing records the scale, so it is recognised from the
smallest and largest observed value: the first of `SCALES` (narrowest first) that contains them.

- `score_scale`: the label of the scale a sample fits (``"0–1"``, ``"1–5"``, ``"0–10"``,
  ``"0–100"``), or ``None`` when it fits none of them (or is empty);
- `check_one_scale`: refuse to pool a score column across agents whose scales differ.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from roe_analysis.errors import InvalidArgumentError

#: The common score scales as ``(label, low, high)``, narrowest first: a sample is on the first
#: one whose range contains every observed value.
SCALES: tuple[tuple[str, float, float], ...] = (
    ("0–1", 0.0, 1.0),
    ("1–5", 1.0, 5.0),
    ("0–10", 0.0, 10.0),
    ("0–100", 0.0, 100.0),
)


def score_scale(values: object) -> str | None:
    """The common scale ``values`` fit, narrowest first; ``None`` for none of them or no values.

    ``values`` is anything numpy can read as numbers (a list, an array, a Polars Series); nulls and
    NaN are ignored. The recognition can only be as good as the range observed: scores 2–4 fit
    1–5 even if the grader's scale is 0–10.

    Examples:
        >>> score_scale([0.2, 0.9]), score_scale([1, 3, 5]), score_scale([0, 7]), score_scale([12.5, 80])
        ('0–1', '1–5', '0–10', '0–100')
        >>> score_scale([-1, 1]) is None, score_scale([]) is None, score_scale([None, float("nan")]) is None
        (True, True, True)
    """
    if isinstance(values, pl.Series):
        x = values.cast(pl.Float64).fill_nan(None).drop_nulls().to_numpy()
    else:
        x = np.asarray([np.nan if v is None else v for v in np.ravel(np.asarray(values, dtype=object))], dtype=float)
        x = x[~np.isnan(x)]
    if x.size == 0:
        return None
    low, high = float(x.min()), float(x.max())
    for label, scale_low, scale_high in SCALES:
        if scale_low <= low and high <= scale_high:
            return label
    return None


def check_one_scale(frame: pl.DataFrame, *, value: str, agent: str = "agent_id", helper: str, metric: str) -> None:
    """Raise `InvalidArgumentError` when the agents in ``frame`` score ``value`` on different scales.

    Agents without a score are ignored; an agent whose scores fit none of `SCALES` counts as a scale
    of its own ("unrecognised"). Nothing is checked without an ``agent`` column or with one agent.

    Examples:
        >>> import polars as pl
        >>> frame = pl.DataFrame({"agent_id": ["a", "a", "b"], "v": [0.5, 1.0, 80.0]})
        >>> check_one_scale(frame.head(2), value="v", helper="demo", metric="grader_score")
        >>> check_one_scale(frame, value="v", helper="demo", metric="grader_score")
        Traceback (most recent call last):
        ...
        roe_analysis.errors.InvalidArgumentError: demo: grader_score is on different scales across agents ('a': 0–1 (0.5–1), 'b': 0–100 (80–80)), so pooling them means nothing; pass by=['agent_id', ...] or filter to one agent
    """  # noqa: E501
    if agent not in frame.columns:
        return
    ranges = (
        frame.select(pl.col(agent), pl.col(value).cast(pl.Float64).fill_nan(None).alias("value"))
        .drop_nulls("value")
        .group_by(agent)
        .agg(pl.col("value").min().alias("low"), pl.col("value").max().alias("high"))
        .sort(agent, nulls_last=True)
    )
    if ranges.height < 2:
        return
    labels = {
        row[agent]: (score_scale([row["low"], row["high"]]) or "unrecognised", row["low"], row["high"])
        for row in ranges.iter_rows(named=True)
    }
    if len({label for label, _, _ in labels.values()}) < 2:
        return
    described = ", ".join(f"{a!r}: {label} ({low:g}–{high:g})" for a, (label, low, high) in labels.items())
    raise InvalidArgumentError(
        f"{helper}: {metric} is on different scales across agents ({described}), so pooling them means nothing; "
        f"pass by=['{agent}', ...] or filter to one agent"
    )
