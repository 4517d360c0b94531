"""The package's outer shape: public surface, dependency lists that cannot drift, typed marker."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import roe_analysis as ra

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pip_names = {_name(p) for p in pip if not p.startswith("-e")}
    assert conda | pip_names == wanted
    assert "-e ." in pip


def test_lower_bounds_agree_between_pyproject_and_environment_yml() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    for req in reqs:
        name = _name(req)
        if name in conda:
            assert req.replace(" ", "").split(name, 1)[1] == conda[name].split(name, 1)[1], name


def test_public_surface_is_sorted_and_importable() -> None:
    assert ra.__all__ == sorted(ra.__all__)
    for name in ra.__all__:
        assert hasattr(ra, name), name
    public = {n for n in dir(ra) if not n.startswith("_") and n not in {"annotations"}}
    modules = {n for n in public if type(getattr(ra, n)).__name__ == "module"}
    # Everything public that is not a submodule is in __all__; `charts` is the one public submodule.
    assert public - modules == set(ra.__all__) - {"__version__", "charts"}
    assert "charts" in ra.__all__


def test_py_typed_marker_ships() -> None:
    assert (ROOT / "roe_analysis" / "py.typed").exists()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["roe_analysis"]
