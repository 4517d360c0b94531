"""A JupyterLab server and a headless Chromium for the browser suite, one of each per session.

The server runs on a free loopback port with a random token, against a temporary copy of the
curated notebooks, with its settings, data, runtime and home folders in temporary directories (the
user's own JupyterLab settings are never read or written) and nothing reaching the network: no
news, no update check, no extension manager. ``ROE_API_KEY`` is removed from its environment so
the notebooks start the bundled sandbox.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from roe_analysis import JobFrames, RoeClient

from ..chromium import CHROMIUM, require_chromium

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "reports" / "artifacts" / "browser"

#: User settings written before the server starts: every cell kept in the DOM (no windowing), no
#: news or update check, no extension manager.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path

    def tree(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"  # reset: no tab of a previous test


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_chromium()
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        # A clean copy, as a person starts: no stored outputs or execution counts, so "every cell
        # ran" is read from this run only.
        content = json.loads(notebook.read_text())
        for cell in content["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        (root / notebook.name).write_text(json.dumps(content))
    settings = base / "user-settings"
    for name, value in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    dirs = {
        key: base / key.lower() for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "HOME")
    }
    for path in dirs.values():
        path.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"ROE_API_KEY", "ROE_ORGANIZATION_ID"}}
    env.update({key: str(path) for key, path in dirs.items()})
    env.update({"TZ": "UTC", "JUPYTER_PLATFORM_DIRS": "1", "PYTHONPATH": str(ROOT)})
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True",
        "--LabApp.extension_manager=readonly",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    log = (base / "lab.log").open("w")
    process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited: {(base / 'lab.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer in 60 s: {(base / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield Lab(url=url, token=token, root=root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(lab: Lab) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def demo() -> Iterator[JobFrames]:
    """The demo agent's jobs as the notebooks load them (the bundled sandbox, seed 0): the expected values."""
    from roe_analysis.sandbox import Sandbox

    with (
        Sandbox() as sandbox,
        RoeClient(
            api_key=sandbox.api_key, organization_id=sandbox.organization_id, base_url=sandbox.base_url, environ={}
        ) as client,
    ):
        yield client.load_jobs(sandbox.agents["demo"], progress=False)
