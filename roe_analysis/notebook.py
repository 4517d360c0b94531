"""What the curated notebooks share: where the data comes from, and outputs that do not change.

- `connect` picks the data source: your Roe AI account when ``ROE_API_KEY`` is set, otherwise the
  bundled sandbox (seeded, local, no account needed). `Connection.description` says which, in one
  line, so a reader never mistakes sandbox numbers for production ones.
- `Connection.load` fetches the agent's jobs, or opens a snapshot folder instead of fetching.
- `setup` makes what a notebook prints reproducible: charts as SVG (`use_deterministic_charts`),
  warnings as one line without file paths, tables with a fixed width and float precision.
- `pick_versions` chooses the two versions to compare; `describe` prints what was loaded.
- `clean_notebook` strips what changes from run to run (timings, widget model ids and state, kernel
  versions) from an executed notebook before it is committed.

Examples:
    >>> from roe_analysis import notebook as nb
    >>> with nb.connect(environ={}) as conn:
    ...     frames = conn.load()
    >>> print(conn.description)  # doctest: +ELLIPSIS
    Using the bundled sandbox at http://127.0.0.1:... (seeded synthetic data, seed 0, agent 'demo' ...
    >>> print(conn.loaded_from)  # doctest: +ELLIPSIS
    Fetched 1,500 jobs of agent ... from the sandbox in 15 requests.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from roe_analysis.analysis import default_version_pair
from roe_analysis.api import is_loopback
from roe_analysis.client import RoeClient
from roe_analysis.errors import ConfigurationError
from roe_analysis.frames import JobFrames, filter_frames, summary_text, versions_in_order

if TYPE_CHECKING:
    from roe_analysis.sandbox import Sandbox

#: The kernelspec every committed notebook declares.
KERNELSPEC: dict[str, str] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: How each notebook is paired with its script (jupytext).
JUPYTEXT_FORMATS = "ipynb,py:percent"
#: The widget view mimetype: its model id is random on every run and means nothing without a kernel.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The Altair renderer `setup` enables: vl-convert SVG whose text names its fonts.
CHART_RENDERER = "roe-svg"


class Connection:
    """A client for one agent and what it talks to (your account or the sandbox).

    Attributes:
        client: the `RoeClient`.
        agent_id: the agent whose jobs `load` fetches.
        description: one line saying where the data comes from.
        sandbox: the running sandbox, or None when connected to the API.
        observed_at: the instant the loaded data describes (set by `load`): the sandbox's
            ``REFERENCE_TIME`` for sandbox data (its jobs are frozen at that instant), the fetch time
            for the API. Pass it as ``now=`` to measure how long running jobs have been running.
        loaded_from: one line saying what the last `load` did.
    """

    def __init__(self, *, client: RoeClient, agent_id: str, description: str, sandbox: Sandbox | None = None) -> None:
        self.client = client
        self.agent_id = agent_id
        self.description = description
        self.sandbox = sandbox
        self.observed_at: datetime | None = None
        self.loaded_from = "nothing loaded yet"

    @property
    def is_sandbox(self) -> bool:
        """Whether the data comes from the bundled sandbox."""
        return self.sandbox is not None

    def __repr__(self) -> str:
        return f"Connection(base_url={self.client.base_url!r}, agent_id={self.agent_id!r}, sandbox={self.is_sandbox})"

    def load(
        self,
        *,
        snapshot: str | os.PathLike[str] | None = None,
        versions: list[str] | None = None,
        progress: bool | None = None,
        costs: bool = False,
        **filters: Any,
    ) -> JobFrames:
        """The agent's jobs: fetched, or read from ``snapshot`` when that folder exists.

        Args:
            snapshot: a snapshot folder. If it exists it is opened and no job is fetched; if not,
                the jobs are fetched and saved there for next time.
            versions: keep only these agent versions (`filter_frames`), after loading.
            progress: show a progress bar; default: for the API, not for the (instant) sandbox.
            costs: also load every job's result (cost, tokens) and the agent's versions (models),
                `load_jobs(..., results=True, versions=True)`; a snapshot that lacks them gets them
                fetched (and is not rewritten).
            **filters: passed to `RoeClient.load_jobs` (``created_from``, ``created_to``, ...).
        """
        filters = {k: v for k, v in filters.items() if v is not None}
        path = Path(snapshot) if snapshot is not None else None
        if path is not None and (path / "manifest.json").exists():
            if filters:
                raise ConfigurationError(
                    f"{sorted(filters)} only apply when fetching; the snapshot at {path} is opened as it was saved. "
                    "Use versions=... (or ra.filter_frames) to narrow it."
                )
            frames = JobFrames.load(path)
            self.loaded_from = f"Opened the snapshot at {path}: {frames.jobs.height:,} jobs, nothing fetched."
            if costs:
                frames = self._add_costs(frames)
        else:
            show = (not self.is_sandbox) if progress is None else progress
            frames = self.client.load_jobs(self.agent_id, progress=show, results=costs, versions=costs, **filters)
            requests = frames.query.get("requests")
            where = "the sandbox" if self.is_sandbox else self.client.base_url
            self.loaded_from = f"Fetched {frames.jobs.height:,} jobs of agent {self.agent_id} from {where}" + (
                f" in {requests} requests." if requests is not None else "."
            )
            if path is not None:
                frames.save(path)
                self.loaded_from += f" Saved them as a snapshot at {path}."
        self.observed_at = self._observed_at(frames)
        if versions is not None:
            frames = filter_frames(frames, versions=versions)
        return frames

    def _add_costs(self, frames: JobFrames) -> JobFrames:
        """``frames`` (from a snapshot) with results and versions fetched where it lacks them."""
        added = []
        if not frames.query.get("versions"):
            agents = frames.query.get("agent_ids") or [self.agent_id]
            versions = self.client.load_versions(agents)
            frames = replace(frames, versions=versions, query={**frames.query, "versions": True})
            added.append("versions")
        if not frames.query.get("results"):
            frames = self.client.load_results(frames)
            added.append("results")
        if added:
            self.loaded_from = self.loaded_from.replace(
                ", nothing fetched.", f"; it had no {' or '.join(added)}, fetched now (the snapshot is unchanged)."
            )
        return frames

    def _observed_at(self, frames: JobFrames) -> datetime | None:
        host = str(frames.query.get("base_url") or frames.query.get("host") or "")
        hostname = urlsplit(host if "//" in host else f"//{host}").hostname or ""
        if self.is_sandbox and (not hostname or is_loopback(hostname)):
            from roe_analysis.sandbox import REFERENCE_TIME

            return REFERENCE_TIME
        fetched = frames.query.get("fetched_at")
        if isinstance(fetched, datetime):
            return fetched
        if isinstance(fetched, str):
            return datetime.fromisoformat(fetched)
        return None

    def example_job_ids(self, *names: str) -> list[str]:
        """Ids of the sandbox's special jobs by name (e.g. ``"html_injection"``); empty for the API.

        Raises:
            KeyError: a name the sandbox does not know (the message lists the names).
        """
        if self.sandbox is None:
            return []
        known = self.sandbox.special_job_ids
        unknown = [n for n in names if n not in known]
        if unknown:
            raise KeyError(f"no sandbox example named {unknown}; examples are {sorted(known)}")
        return [known[n] for n in names]

    def close(self) -> None:
        """Close the client and stop the sandbox, if any."""
        self.client.close()
        if self.sandbox is not None:
            self.sandbox.stop()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect(
    *,
    agent_id: str | None = None,
    base_url: str | None = None,
    seed: int = 0,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Connect to your account when ``ROE_API_KEY`` is set, otherwise start the bundled sandbox.

    Args:
        agent_id: the agent to analyse. Required with an account; with the sandbox, None means its
            ``demo`` agent (1,500 jobs).
        base_url: the API's URL for an account (default ``ROE_BASE_URL`` or
            ``https://api.roe-ai.com``); ignored by the sandbox.
        seed: the sandbox's seed: the same seed gives the same jobs.
        environ: where to read ``ROE_API_KEY``/``ROE_ORGANIZATION_ID``/``ROE_BASE_URL`` (default
            ``os.environ``); pass ``{}`` to force the sandbox.

    Raises:
        ConfigurationError: an account without ``agent_id``, or an incomplete configuration.
    """
    env = os.environ if environ is None else environ
    if env.get("ROE_API_KEY"):
        if agent_id is None:
            raise ConfigurationError(
                "ROE_API_KEY is set, so the notebook reads your account: set AGENT_ID in the parameters cell to the "
                "UUID of the agent to analyse (or unset ROE_API_KEY to use the bundled sandbox)."
            )
        client = RoeClient(base_url=base_url, environ=env)
        description = (
            f"Using {client.base_url} (organization {client.organization_id}) with the API key from ROE_API_KEY; "
            f"agent {agent_id}."
        )
        return Connection(client=client, agent_id=agent_id, description=description)

    from roe_analysis.sandbox import Sandbox

    sandbox = Sandbox(seed=seed).start()
    client = RoeClient(
        api_key=sandbox.api_key, organization_id=sandbox.organization_id, base_url=sandbox.base_url, environ={}
    )
    agent = agent_id or sandbox.agents["demo"]
    name = next((n for n, i in sandbox.agents.items() if i == agent), "unknown")
    description = (
        f"Using the bundled sandbox at {sandbox.base_url} (seeded synthetic data, seed {seed}, agent {name!r} "
        f"{agent}): ROE_API_KEY is not set. Set it (and ROE_ORGANIZATION_ID, AGENT_ID) to analyse your account."
    )
    return Connection(client=client, agent_id=agent, description=description, sandbox=sandbox)


def pick_versions(frames: JobFrames, a: str | None = None, b: str | None = None) -> tuple[str, str]:
    """The two versions to compare: ``a`` and ``b`` when given, else the two newest (by first job).

    The version picker's default (`default_version_pair`): versions with fewer than 10 jobs (a
    canary too small to tell anything) are skipped unless fewer than two versions have that many.

    Raises:
        ConfigurationError: fewer than two versions to choose from.

    Examples:
        >>> import roe_analysis as ra
        >>> jobs = [{"id": f"00000000-0000-4000-8000-00000000000{n}", "agent_version_name": v, "status_code": 3,
        ...          "created_at": f"2026-05-0{n}T10:00:00Z"} for n, v in ((1, "v1"), (2, "v3"), (3, "v2"))]
        >>> pick_versions(ra.JobFrames.from_records(jobs, agent_id="00000000-0000-4000-8000-0000000000aa"))
        ('v3', 'v2')
    """
    first, second = default_version_pair(frames, a=a, b=b)
    if first is None or second is None:
        raise ConfigurationError(
            f"comparing versions needs two; the jobs have {versions_in_order(frames)}. Set VERSION_A and VERSION_B."
        )
    return first, second


def describe(frames: JobFrames) -> str:
    """Jobs, versions, statuses and the creation window of ``frames``, in a few lines."""
    return summary_text(frames)


def use_deterministic_charts() -> None:
    """Render Altair charts as SVG with vl-convert: offline, and the same bytes on every run.

    The SVG is what a notebook stores, so ``pytest --nbval`` compares it and a changed chart fails
    the check (nbval skips PNG outputs). The ``mimetype`` renderer would store Vega-Lite JSON, but
    Altair 6 emits ``application/vnd.vegalite.v6.json``, which JupyterLab 4 does not render.
    The text names `charts.SVG_FONT_FAMILY`, the widths vl-convert laid it out with.
    """
    import altair as alt

    from roe_analysis.charts import with_chart_fonts

    alt.renderers.enable("svg")
    svg = alt.renderers.get()
    assert svg is not None  # enabled the line above

    def render(spec: dict[str, Any], **metadata: Any) -> Any:
        # The SVG shows in the notebook as an image: no page style reaches its text, so it names its fonts.
        bundle = svg(spec, **metadata)
        mimebundle = bundle[0] if isinstance(bundle, tuple) else bundle
        mimebundle["image/svg+xml"] = with_chart_fonts(mimebundle["image/svg+xml"])
        return bundle

    alt.renderers.register(CHART_RENDERER, render)
    alt.renderers.enable(CHART_RENDERER)


def _one_line_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    return f"{category.__name__}: {message}\n"


def use_short_warnings() -> None:
    """Print warnings as ``Category: message``, without the file path and line (they vary by machine)."""
    warnings.formatwarning = _one_line_warning


def setup() -> None:
    """Everything the notebooks need for reproducible outputs: charts, warnings and tables.

    Changes process-wide settings: Altair's renderer (SVG), `warnings.formatwarning`, and Polars'
    display options (table width, rows, string length, 4 decimals for floats).
    """
    import polars as pl

    use_deterministic_charts()
    use_short_warnings()
    pl.Config.set_tbl_width_chars(140)
    pl.Config.set_tbl_rows(20)
    pl.Config.set_tbl_cols(16)
    pl.Config.set_fmt_str_lengths(60)
    pl.Config.set_float_precision(4)


def clean_notebook(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an executed notebook without what changes from run to run, ready to commit.

    - notebook metadata: only the kernelspec (`KERNELSPEC`) and the jupytext pairing; no
      ``language_info`` (Python patch version) or saved widget state (random model ids);
    - cells: ids numbered by position; metadata reduced to ``tags``; execution counts 1, 2, 3…
      in order, as a clean top-to-bottom run gives them (nbval only compares cells that have one);
    - outputs: no widget view (`WIDGET_VIEW`: a random model id, which nbval skips anyway), so the
      static ``text/html`` rendering the widgets add shows wherever there is no live kernel; no
      ``transient`` data; consecutive stream outputs of one stream joined into one.

    Args:
        notebook: the notebook as a dict (``nbformat`` node or parsed JSON).

    Examples:
        >>> nb = {"metadata": {"language_info": {"version": "3.11.9"}}, "nbformat": 4, "nbformat_minor": 5,
        ...       "cells": [{"cell_type": "code", "id": "x1y2", "execution_count": 7, "source": "1 + 1",
        ...                  "metadata": {"tags": ["parameters"], "execution": {"iopub.status.idle": "..."}},
        ...                  "outputs": [{"output_type": "execute_result", "execution_count": 7,
        ...                               "data": {"text/plain": "2"}, "metadata": {}}]}]}
        >>> cleaned = clean_notebook(nb)
        >>> cleaned["metadata"]["jupytext"], cleaned["cells"][0]["id"], cleaned["cells"][0]["execution_count"]
        ({'formats': 'ipynb,py:percent'}, 'cell-00', 1)
        >>> cleaned["cells"][0]["metadata"], cleaned["cells"][0]["outputs"][0]["execution_count"]
        ({'tags': ['parameters']}, 1)
    """
    nb = copy.deepcopy(dict(notebook))
    nb["metadata"] = {"jupytext": {"formats": JUPYTEXT_FORMATS}, "kernelspec": dict(KERNELSPEC)}
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    count = 0
    cells = []
    for index, original in enumerate(nb.get("cells", [])):
        cell = dict(original)
        cell["id"] = f"cell-{index:02d}"
        tags = list(cell.get("metadata", {}).get("tags", []))
        cell["metadata"] = {"tags": tags} if tags else {}
        if not cell.get("attachments"):
            cell.pop("attachments", None)
        if cell.get("cell_type") == "code":
            count += 1
            cell["execution_count"] = count
            cleaned = [out for out in (_clean_output(o, count) for o in cell.get("outputs", [])) if out]
            cell["outputs"] = _coalesce_streams(cleaned)
        cells.append(cell)
    nb["cells"] = cells
    return nb


def _coalesce_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # How a kernel chunks one print's text into stream messages depends on timing; joined, the
    # committed output is the same on every run (nbval compares streams joined too).
    out: list[dict[str, Any]] = []
    for output in outputs:
        previous = out[-1] if out else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            # As nbformat stores a multi-line string: one item per line, so cleaning is idempotent.
            previous["text"] = (_text(previous.get("text")) + _text(output.get("text"))).splitlines(keepends=True)
        else:
            out.append(dict(output))
    return out


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _clean_output(output: Mapping[str, Any], count: int) -> dict[str, Any] | None:
    out = dict(output)
    out.pop("transient", None)
    if out.get("output_type") in ("display_data", "execute_result"):
        data = {k: v for k, v in out.get("data", {}).items() if k != WIDGET_VIEW}
        if not data:
            return None
        out["data"] = data
        out.setdefault("metadata", {})
        if out["output_type"] == "execute_result":
            out["execution_count"] = count
    return out


__all__ = [
    "Connection",
    "clean_notebook",
    "connect",
    "describe",
    "pick_versions",
    "setup",
    "use_deterministic_charts",
    "use_short_warnings",
]
