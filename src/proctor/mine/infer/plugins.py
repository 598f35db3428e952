"""The project's own pytest plugins: ``pytest11`` entry points its metadata declares.

The checkout is never installed, so its entry points are never registered; its tests (pytest
plugins such as anyio's) then miss their fixtures and markers. The task's ``test_cmd`` names
each such module with ``-p``, which every run and graded session honours (plugin autoload
being off everywhere).
"""

from __future__ import annotations

import configparser
import re
from typing import Any

__all__ = ["own_pytest_plugins"]

_SETUP_PY = re.compile(r"""["']pytest11["']\s*:\s*\[([^\]]*)\]""")
_ENTRY = re.compile(r"""["']\s*[\w.-]+\s*=\s*([\w.]+)""")


def _module(value: str) -> str:
    return value.split(":", 1)[0].split("[", 1)[0].strip()


def own_pytest_plugins(
    pyproject: dict[str, Any], setup_cfg: str | None, setup_py: str | None
) -> tuple[list[str], str | None]:
    """Modules of the project's ``pytest11`` entry points, and the file that declares them."""
    project = pyproject.get("project", {})
    points = project.get("entry-points", {}) if isinstance(project, dict) else {}
    table = points.get("pytest11") if isinstance(points, dict) else None
    if isinstance(table, dict) and table:
        return sorted({_module(str(v)) for v in table.values()}), "pyproject.toml [project]"
    poetry = pyproject.get("tool", {}).get("poetry", {}).get("plugins", {}).get("pytest11")
    if isinstance(poetry, dict) and poetry:
        return sorted({_module(str(v)) for v in poetry.values()}), "pyproject.toml [tool.poetry]"
    if setup_cfg:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(setup_cfg)
            raw = parser.get("options.entry_points", "pytest11", fallback="")
        except configparser.Error:
            raw = ""
        found = {_module(line.split("=", 1)[1]) for line in raw.splitlines() if "=" in line}
        if found:
            return sorted(found), "setup.cfg [options.entry_points]"
    match = _SETUP_PY.search(setup_py or "")
    if match:
        found = {m for m in _ENTRY.findall(match.group(1))}
        if found:
            return sorted(found), "setup.py entry_points"
    return [], None
