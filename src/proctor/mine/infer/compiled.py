"""Compiled extensions: whether the code has any, and how to build them in the checkout.

setuptools extensions (``ext_modules``, ``Extension(``, ``cythonize(``, pyproject's
``ext-modules``, ``.pyx`` sources) are built in place with ``build_ext --inplace`` after the
build requirements are installed; meson-python, scikit-build-core and maturin projects are
compiled too, but have no in-place build proctor can run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from proctor.mine.infer.metadata import normalize

__all__ = ["NATIVE_BACKENDS", "Compiled", "find_compiled"]

NATIVE_BACKENDS = frozenset({"meson-python", "scikit-build-core", "maturin"})
"""Backends that always compile, and that proctor cannot build in place."""

_EXTENSION = re.compile(r"\bext_modules\s*=|\bExtension\(|\bcythonize\(")
# Build requirements only a build needs: version plugins and wheel.
_BUILD_ONLY = frozenset({"setuptools-scm", "hatch-vcs", "wheel", "versioneer"})
_RENAMED = {"oldest-supported-numpy": "numpy"}
SETUP_PY_BUILD = ["python", "setup.py", "build_ext", "--inplace"]
SETUP_CALL_BUILD = [
    "python",
    "-c",
    "from setuptools import setup; setup()",
    "build_ext",
    "--inplace",
]


@dataclass
class Compiled:
    """The compiled parts of a project and how to build them."""

    compiled: bool = False
    """Whether there are extensions that must be compiled before tests import them."""
    evidence: list[str] = field(default_factory=list)
    """Where they are declared, for the notes."""
    packages: list[str] = field(default_factory=list)
    """Build requirements to install into the venv."""
    command: list[str] | None = None
    """The setup command that builds them in the checkout; None when none can."""


def _build_packages(requires: Sequence[str], setup_py: str) -> list[str]:
    """The build requirements an in-place build needs (scm plugins only if setup.py imports
    setuptools_scm); setuptools always, Cython when setup.py cythonizes."""
    out: list[str] = []
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        name = normalize(req.name)
        if name in _BUILD_ONLY and not (name == "setuptools-scm" and "setuptools_scm" in setup_py):
            continue
        out.append(_RENAMED.get(name, str(req)))
    names = {normalize(Requirement(r).name) for r in out}
    if "setuptools" not in names:
        out.insert(0, "setuptools")
    if "cythonize(" in setup_py and "cython" not in names:
        out.append("cython")
    return out


def find_compiled(
    backend: str,
    pyproject: dict[str, Any] | None,
    requires: Sequence[str],
    setup_py: str | None,
    files: Sequence[str],
) -> Compiled:
    """The compiled extensions of a project.

    Args:
        backend: the build system's short name (``setuptools``, ``meson-python``, ...).
        pyproject: pyproject.toml's tables, if any.
        requires: ``[build-system] requires``.
        setup_py: setup.py's text, if it has one.
        files: every tracked path.
    """
    found = Compiled()
    if backend in NATIVE_BACKENDS:
        found.compiled = True
        found.evidence.append(f"build backend {backend} (pyproject.toml)")
        return found
    tool_setuptools = (pyproject or {}).get("tool", {}).get("setuptools", {})
    if setup_py is not None and _EXTENSION.search(setup_py):
        found.evidence.append("extension modules in setup.py")
    if isinstance(tool_setuptools, dict) and tool_setuptools.get("ext-modules"):
        found.evidence.append("[tool.setuptools] ext-modules (pyproject.toml)")
    pyx = [f for f in files if f.endswith(".pyx") and not f.startswith(("tests/", "docs/"))]
    if pyx:
        found.evidence.append(f"{len(pyx)} Cython .pyx file(s), e.g. {pyx[0]}")
    if not found.evidence:
        return found
    found.compiled = True
    if backend == "setuptools":
        found.packages = _build_packages(requires, setup_py or "")
        if pyx and "cython" not in {normalize(Requirement(r).name) for r in found.packages}:
            found.packages.append("cython")
        found.command = SETUP_PY_BUILD if setup_py is not None else SETUP_CALL_BUILD
    return found
