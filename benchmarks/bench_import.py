"""How long ``import roe_analysis`` takes against importing its runtime core, side by side.

Each sample is a fresh interpreter (``python -X importtime -c 'import …'``, warm disk cache), with
the two commands interleaved so that a noisy neighbour slows both alike. The time is the
interpreter's own cumulative import time of the top module, read from ``-X importtime``, so the
interpreter's start-up is left out of both sides.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable
from typing import Any

#: What `import roe_analysis` may not avoid: the libraries its loader and frames are built on.
CORE = ("polars", "httpx", "msgspec", "numpy", "tenacity")
#: Loaded only when a chart, the report, a widget or a statistics test is first used.
HEAVY = ("altair", "scipy", "ipywidgets", "papermill", "vl_convert")


def _import_seconds(statement: str, top: str | tuple[str, ...]) -> float:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True, check=True
    )
    tops = {top} if isinstance(top, str) else set(top)
    total_us = 0
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        # A top-level module's line comes after its children; its cumulative time includes them.
        if name in tops:
            total_us += int(cumulative)
    return total_us / 1e6


def run(*, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Median seconds of ``import roe_analysis`` and of importing the core, and which heavy ones loaded."""
    ours: list[float] = []
    core: list[float] = []
    for i in range(max(5, repeats * 5)):
        log(f"import: run {i + 1}")
        core.append(_import_seconds(f"import {', '.join(CORE)}", CORE))
        ours.append(_import_seconds("import roe_analysis", "roe_analysis"))
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, roe_analysis; print([m for m in {HEAVY!r} if m in sys.modules])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {
        "ours_seconds": statistics.median(ours),
        "core_seconds": statistics.median(core),
        "ours_min": min(ours),
        "core_min": min(core),
        "runs": len(ours),
        "heavy_loaded": loaded,
    }
