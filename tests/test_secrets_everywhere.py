"""The API key appears nowhere the product writes: files, logs, CLI output, errors, notebooks.

One scenario does everything a user does with a key in the environment (fetch with a checkpoint
that is interrupted and resumed, refresh, info, report from the API and from a snapshot, a failed
load, an executed notebook) and then scans every byte written and printed for the key and for
anything shaped like a bearer token.
"""

from __future__ import annotations

import logging
import pickle
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import roe_analysis as ra
from roe_analysis import cli
from roe_analysis.sandbox import Sandbox

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: An Authorization value, however it is quoted: "Bearer" and a token-looking run of characters.
BEARER = re.compile(rb"bearer[\s:=\"']+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)


def leaks(data: bytes, key: str) -> list[str]:
    """What in ``data`` gives the key away: the key itself (plain or escaped) or a bearer token."""
    found = []
    for form in (key, key.encode("unicode_escape").decode(), re.escape(key)):
        if form.encode() in data:
            found.append(f"the key ({form[:4]}…)")
    found += [m.group(0)[:12].decode(errors="replace") + "…" for m in BEARER.finditer(data)]
    return found


def scan_tree(root: Path, key: str) -> dict[str, list[str]]:
    """Every file under ``root`` (snapshots, manifests, checkpoints, reports, notebooks) that leaks."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        found = leaks(path.read_bytes(), key)
        if found:
            out[str(path.relative_to(root))] = found
    return out


def test_nothing_the_product_writes_or_prints_holds_the_key(
    api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    sb = api_env
    key = sb.api_key
    agent = sb.agents["demo"]
    caplog.set_level(logging.DEBUG)  # ours, httpx's and httpcore's DEBUG lines
    printed: list[str] = []

    def run(*argv: str) -> int:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        printed.extend([out, err])
        return code

    # fetch, interrupted by a failing server: the checkpoint stays beside the snapshot; then resumed.
    snap = tmp_path / "snap"
    sb.set_faults("500:after=3")
    assert run("fetch", agent, "--out", str(snap), "--no-progress") == 1
    sb.set_faults(None)
    checkpoints = [p for p in tmp_path.iterdir() if p != snap]
    assert checkpoints, "the interrupted fetch left its checkpoint to scan"
    assert scan_tree(tmp_path, key) == {}
    assert run("fetch", agent, "--out", str(snap), "--no-progress", "--resume") == 0
    assert run("fetch", "--out", str(snap), "--no-progress", "--refresh") == 0
    assert run("info", str(snap)) == 0
    assert run("report", agent, "--out", str(tmp_path / "api-report.html"), "--no-progress") == 0
    assert run("report", "--snapshot", str(snap), "--out", str(tmp_path / "snap-report.html")) == 0

    # The library: a failed load's error, its request and its pickle; a checkpointed load.
    with ra.RoeClient(max_retries=0) as client:
        sb.set_faults("500:after=2")
        with pytest.raises(ra.ServerError) as info:
            client.load_jobs(agent, progress=False, checkpoint=tmp_path / "lib-snap")
        sb.set_faults(None)
        err = info.value
        assert err.partial is not None and err.partial.jobs.height == 200
        texts = [str(err), repr(err), repr(err.request), str(err.request.headers), repr(client)]
        assert leaks(pickle.dumps(err), key) == []
        frames = client.load_jobs(agent, progress=False, checkpoint=tmp_path / "lib-snap")
        printed += [repr(frames), frames._repr_html_(), str(frames.query)]
    frames.save(tmp_path / "saved")

    # An executed notebook, connected with the key (outputs, metadata and widget state included).
    notebook = nbformat.read(NOTEBOOKS / "01_load_and_overview.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    parameters.source = parameters.source.replace("AGENT_ID = None", f'AGENT_ID = "{agent}"')
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(notebook, tmp_path / "executed.ipynb")
    assert "Fetched 1,500 jobs" in (tmp_path / "executed.ipynb").read_text()

    assert scan_tree(tmp_path, key) == {}
    said = "\n".join([*printed, *texts, caplog.text]).encode()
    assert leaks(said, key) == []
    # The scan would have seen a leak: it finds the key where it is.
    assert leaks(f"x {key} y".encode(), key) and leaks(b'{"Authorization": "Bearer abcdefgh12345"}', key)
    # The logs were at DEBUG and did describe the requests.
    assert "GET" in caplog.text and "/v1/agents/" in caplog.text
