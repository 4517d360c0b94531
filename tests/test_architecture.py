"""The package's shape (ARCHITECTURE.md): layers, no import cycles, small modules, a light import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "roe_analysis"
#: Modules that may pass the size limit because most of their text is literal data (none today).
DATA_TABLES: frozenset[str] = frozenset()
MAX_LINES = 620


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # grimp reads every import statement of every module: inside functions and under
    # `if TYPE_CHECKING:` too, so a lazy import does not hide an edge.
    return grimp.build_graph("roe_analysis", include_external_packages=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_there_is_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle(graph: grimp.ImportGraph) -> None:
    graph.add_import(importer="roe_analysis.errors", imported="roe_analysis.frames._job_frames")
    try:
        cycles = _cycles(graph)
    finally:
        graph.remove_import(importer="roe_analysis.errors", imported="roe_analysis.frames._job_frames")
    assert any({"roe_analysis.errors", "roe_analysis.frames._job_frames"} <= set(c) for c in cycles)


def test_no_module_imports_the_public_face(graph: grimp.ImportGraph) -> None:
    # `roe_analysis/__init__.py` imports every layer; a module importing it back would be a cycle
    # through the face, and would load the whole package to get one name.
    assert sorted(graph.find_modules_that_directly_import("roe_analysis")) == []


def test_the_layer_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
        if str(path.relative_to(ROOT)) not in DATA_TABLES
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_importing_the_package_loads_no_chart_or_statistics_library() -> None:
    code = (
        "import sys, roe_analysis as ra; "
        "heavy = sorted(m for m in ('altair', 'scipy', 'ipywidgets', 'papermill', 'vl_convert', 'pandas') "
        "if m in sys.modules); print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_charts_load_on_first_use() -> None:
    code = "import sys, roe_analysis as ra; ra.charts.job_volume; print('altair' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_the_pytest_plugin_loads_nothing_heavy() -> None:
    code = (
        "import sys, roe_analysis.sandbox.pytest_plugin; "
        "print(sorted(m for m in ('altair', 'scipy', 'ipywidgets', 'vl_convert') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
