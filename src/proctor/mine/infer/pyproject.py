"""pyproject.toml: the build system, PEP 621 metadata and the test groups tools declare.

Groups come from PEP 735 ``[dependency-groups]`` (``include-group`` resolved), poetry's
groups, ``[tool.pdm.dev-dependencies]`` and hatch's default and test environments; only those
whose name says tests or dev (:func:`is_test_name`) are kept.
"""

from __future__ import annotations

from typing import Any

import tomllib

from proctor.mine.infer.metadata import Metadata, is_test_name, normalize
from proctor.mine.infer.poetry import poetry_groups
from proctor.mine.infer.requirements import Found, add_line
from proctor.mine.infer.tree import RepoTree

__all__ = ["BACKENDS", "build_system", "load_pyproject", "project_metadata", "tool_groups"]

BACKENDS = {
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "hatchling.build": "hatch",
    "flit_core.buildapi": "flit",
    "flit.buildapi": "flit",
    "poetry.core.masonry.api": "poetry",
    "poetry.masonry.api": "poetry",
    "pdm.backend": "pdm",
    "pdm.pep517.api": "pdm",
    "mesonpy": "meson-python",
    "scikit_build_core.build": "scikit-build-core",
    "maturin": "maturin",
}
"""Build backends by the name a note gives them; any other backend is named as written."""

_HATCH_ENVS = ("default", "test", "tests", "hatch-test")


def load_pyproject(tree: RepoTree) -> tuple[dict[str, Any] | None, str | None]:
    """pyproject.toml's tables, and the parse error if it has one (None, None if absent)."""
    text = tree.read("pyproject.toml")
    if text is None:
        return None, None
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, f"pyproject.toml does not parse: {exc}"


def build_system(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The build backend's short name (None if not declared) and ``[build-system] requires``."""
    table = data.get("build-system")
    if not isinstance(table, dict):
        return None, []
    requires = [r for r in table.get("requires", []) if isinstance(r, str)]
    backend = table.get("build-backend")
    if not isinstance(backend, str):
        return ("setuptools" if requires else None), requires
    return BACKENDS.get(backend, backend), requires


def project_metadata(data: dict[str, Any]) -> Metadata | None:
    """``[project]`` (PEP 621) as metadata; None without that table."""
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    deps = project.get("dependencies")
    extras = project.get("optional-dependencies") or {}
    return Metadata(
        source="pyproject.toml [project]",
        name=project.get("name"),
        requires_python=project.get("requires-python"),
        classifiers=[c for c in project.get("classifiers", []) if isinstance(c, str)],
        dependencies=[d for d in deps if isinstance(d, str)] if isinstance(deps, list) else None,
        extras={k: [d for d in v if isinstance(d, str)] for k, v in extras.items()},
    )


def _group(groups: dict[str, Any], name: str, seen: frozenset[str]) -> list[str]:
    """PEP 735 group ``name``'s requirements with its included groups resolved."""
    wanted = normalize(name)
    entries: Any = next((v for k, v in groups.items() if normalize(k) == wanted), [])
    out: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            inner = normalize(entry["include-group"])
            if inner not in seen:
                out += _group(groups, inner, seen | {inner})
    return out


def _found(label: str, lines: list[Any]) -> Found:
    """Requirement strings of a tool's table read as lines of a requirements file."""
    found = Found(label)
    for line in lines:
        if isinstance(line, str):
            add_line(None, line, "", found)
    return found


def tool_groups(data: dict[str, Any]) -> list[Found]:
    """The test and dev groups pyproject.toml declares, in a fixed order of tools."""
    found: list[Found] = []
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for name in groups:
            if is_test_name(name):
                lines = _group(groups, name, frozenset({normalize(name)}))
                found.append(_found(f"pyproject.toml [dependency-groups] {name}", lines))
    found += poetry_groups(data)
    tool = data.get("tool", {})
    pdm = tool.get("pdm", {}).get("dev-dependencies")
    if isinstance(pdm, dict):
        for name, lines in pdm.items():
            if is_test_name(name) and isinstance(lines, list):
                found.append(_found(f"pyproject.toml [tool.pdm.dev-dependencies] {name}", lines))
    envs = tool.get("hatch", {}).get("envs", {})
    for name in _HATCH_ENVS:
        env = envs.get(name)
        if isinstance(env, dict):
            lines = [*env.get("dependencies", []), *env.get("extra-dependencies", [])]
            one = _found(f"pyproject.toml [tool.hatch.envs.{name}]", lines)
            one.self_extras += [f for f in env.get("features", []) if isinstance(f, str)]
            found.append(one)
    return found
