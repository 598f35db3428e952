"""Where the importable code lives: the folder put on PYTHONPATH and its top-level packages.

A folder a build configuration names (setuptools' ``package-dir``, setup.cfg's
``package_dir = =src``, hatch's wheel ``packages``, poetry's ``from``, pdm's
``package-dir``) wins; otherwise ``src/`` holding a package or module makes a src layout.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Layout", "find_layout"]

_NOT_PACKAGES = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "bench"}
    | {"scripts", "tools", "ci", "build", "dist", "site-packages"}
)
_NOT_MODULES = frozenset({"setup", "conftest", "noxfile", "tasks", "fabfile", "manage"})


@dataclass(frozen=True)
class Layout:
    """The layout of the importable code."""

    root: str
    """The folder put on PYTHONPATH ('.' for the top level)."""
    packages: tuple[str, ...]
    """Top-level packages and modules found in ``root``."""
    source: str
    """What said so: a file and table, or 'files' when read from the tree."""

    @property
    def kind(self) -> str:
        """``flat`` when the code sits at the top level, else ``src``."""
        return "flat" if self.root == "." else "src"


def _declared(data: dict[str, Any]) -> tuple[str, str] | None:
    """The package folder pyproject.toml's build configuration names, and where."""
    tool = data.get("tool", {})
    setuptools = tool.get("setuptools", {})
    package_dir = setuptools.get("package-dir", {})
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        return package_dir[""], "pyproject.toml [tool.setuptools.package-dir]"
    where = setuptools.get("packages", {})
    where = where.get("find", {}).get("where") if isinstance(where, dict) else None
    if isinstance(where, list) and len(where) == 1 and isinstance(where[0], str):
        return where[0], "pyproject.toml [tool.setuptools.packages.find]"
    wheel = tool.get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    parents = {posixpath.dirname(p.strip("/")) for p in wheel.get("packages", []) if p}
    if len(parents) == 1 and "" not in parents:
        return parents.pop(), "pyproject.toml [tool.hatch.build.targets.wheel]"
    froms = {p.get("from") for p in tool.get("poetry", {}).get("packages", []) if p}
    if len(froms) == 1 and None not in froms:
        return str(froms.pop()), "pyproject.toml [tool.poetry] packages"
    pdm_dir = tool.get("pdm", {}).get("build", {}).get("package-dir")
    if isinstance(pdm_dir, str):
        return pdm_dir, "pyproject.toml [tool.pdm.build]"
    return None


def _packages(files: Sequence[str], root: str) -> tuple[str, ...]:
    """Top-level packages (with an ``__init__.py``) and modules directly in ``root``."""
    prefix = "" if root == "." else root.rstrip("/") + "/"
    found: set[str] = set()
    for path in files:
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        if len(parts) == 2 and parts[1] == "__init__.py" and parts[0] not in _NOT_PACKAGES:
            found.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py"):
            stem = parts[0][:-3]
            if stem not in _NOT_MODULES and not stem.startswith(("test_", ".")):
                found.add(stem)
        elif root != "." and len(parts) > 2 and parts[-1].endswith(".py"):
            found.add(parts[0])  # a namespace package: code below a folder without __init__
    return tuple(sorted(p for p in found if p.isidentifier()))


def find_layout(
    files: Sequence[str], pyproject: dict[str, Any] | None, setup_root: tuple[str, str] | None
) -> Layout:
    """The layout of the code in ``files``.

    Args:
        files: every tracked path.
        pyproject: pyproject.toml's tables, if it has any.
        setup_root: the folder setup.cfg or setup.py maps the top level to, and which file.
    """
    declared = _declared(pyproject or {}) or setup_root
    if declared is not None:
        root = declared[0].strip("/") or "."
        return Layout(root, _packages(files, root), declared[1])
    in_src = _packages(files, "src")
    if in_src:
        return Layout("src", in_src, "files")
    return Layout(".", _packages(files, "."), "files")
