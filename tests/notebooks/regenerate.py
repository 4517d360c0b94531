"""Re-run the curated notebooks and write them back with clean, reproducible outputs.

    .venv/bin/python tests/notebooks/regenerate.py              # every notebooks/*.py
    .venv/bin/python tests/notebooks/regenerate.py 02_durations # some of them

The ``py:percent`` script is the source: each one is read with jupytext, executed top to bottom in a
fresh kernel against the seeded sandbox (``ROE_API_KEY`` removed from the kernel's environment,
``TZ=UTC``), cleaned with `roe_analysis.notebook.clean_notebook`, passed through the nbval
sanitiser (``notebooks/nbval_sanitize.cfg``: the sandbox's port becomes ``PORT``, exactly as nbval
compares it, so a rerun changes no byte), and written as the ``.ipynb``;
the script is rewritten from the result so the pair is in sync. Run it after editing a notebook
(in JupyterLab, jupytext keeps the script up to date on save), then check with the nbval command.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def regenerate(script: Path) -> float:
    """Execute ``script``'s notebook and write the clean pair; returns the seconds it took."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    from roe_analysis.notebook import clean_notebook

    notebook = jupytext.read(script)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
        store_widget_state=False,
    )
    client.execute()
    elapsed = time.perf_counter() - started
    # An exception inside a display formatter does not fail the cell: catch it here instead.
    errors = [
        f"cell {index}: {out.get('ename')}: {out.get('evalue')}"
        for index, cell in enumerate(notebook.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    if errors:
        raise RuntimeError(f"{script.name} raised while running; nothing was written:\n" + "\n".join(errors))
    cleaned = nbformat.from_dict(_sanitized(clean_notebook(notebook)))
    nbformat.validate(cleaned)
    nbformat.write(cleaned, script.with_suffix(".ipynb"))
    jupytext.write(cleaned, script, fmt="py:percent")
    return elapsed


def _sanitized(notebook: dict[str, Any]) -> dict[str, Any]:
    """The outputs with nbval's sanitiser applied, as nbval compares them, so reruns change no byte."""
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns((NOTEBOOKS / "nbval_sanitize.cfg").read_text(encoding="utf-8"))

    def clean(text: str) -> str:
        for pattern, replacement in patterns:
            text = re.sub(pattern, replacement, text)
        return text

    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = clean("".join(output["text"]))
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str | list):
                    output["data"][mime] = clean("".join(value))
    return notebook


def main(argv: list[str]) -> int:
    # Outputs must not depend on who runs this: never an account, always UTC.
    os.environ.pop("ROE_API_KEY", None)
    os.environ["TZ"] = "UTC"
    names = argv or sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    total = 0.0
    for name in names:
        script = NOTEBOOKS / f"{Path(name).stem}.py"
        seconds = regenerate(script)
        total += seconds
        print(f"{script.relative_to(NOTEBOOKS.parent)}: executed in {seconds:.1f} s")
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
