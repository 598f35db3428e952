"""Run by a freshly installed venv's own interpreter: check pytest and byte-compile what runs.

Not imported by proctor: :func:`proctor.sandbox.env.build_env` runs this file as
``VENV/bin/python -I env_probe.py REQUIREMENT...`` once the spec's packages are installed.
It must therefore run on any Python the venvs may use (3.8 and later), with only the standard
library and what the venv holds.

It byte-compiles, on every core, the modules a test run loads, then prints one JSON line:

1. every module of the test runner (pytest, pytest-timeout), of the named requirements and of
   their dependencies, found in the installed metadata (environment markers and extras
   honoured): what the repository's tests import;
2. the runner's own dependencies are not followed but imported: ``import pytest`` writes a
   ``.pyc`` for each module it loads and proves the venv can run the tests. pytest requires
   pygments, for one, but loads some 20 of its 340 modules (pygments alone is more than half
   of a typical test venv's files);
3. the JSON line gives the interpreter's version, where its base lives and how many files
   were compiled.

Venvs are mounted read-only in the sandbox, so a module left uncompiled here would be
compiled in memory on every test run that imports it.
"""

from __future__ import annotations

import compileall
import importlib
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor

RUNNER = ("pytest", "pytest-timeout")
"""Distributions compiled whole; their dependencies only as far as importing them loads."""

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?")


def canonical(name: str) -> str:
    """A project name normalised as in PEP 503."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(requirement: str) -> tuple[str, frozenset[str]] | None:
    """The canonical name and extras of a requirement string; None for URLs and paths."""
    if "://" in requirement.split("@")[0] or requirement.lstrip().startswith((".", "/")):
        return None
    m = _NAME.match(requirement)
    if m is None:
        return None
    extras = frozenset(canonical(e.strip()) for e in (m.group(2) or "").split(",") if e.strip())
    return canonical(m.group(1)), extras


def dependency_files(requirements: list[str]) -> list[str]:
    """The ``.py`` files of the runner, the named distributions and what those require."""
    try:
        from importlib import metadata
    except ImportError:  # Python 3.7: only what importing the runner loads gets compiled
        return []
    runner = {canonical(n) for n in RUNNER}
    named = [p for p in (parse(r) for r in requirements) if p is not None]
    todo = [*((n, frozenset()) for n in sorted(runner)), *named]
    seen: set[tuple[str, frozenset[str]]] = set()
    files: list[str] = []
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        files.extend(str(dist.locate_file(f)) for f in dist.files or () if f.suffix == ".py")
        if name not in runner:
            todo.extend(r for r in (required(s, extras) for s in dist.requires or ()) if r)
    return sorted({f for f in files if os.path.isfile(f)})


def required(spec: str, extras: frozenset[str]) -> tuple[str, frozenset[str]] | None:
    """Name and extras of a dependency line, or None when its marker rules it out here.

    Markers are evaluated with ``packaging`` (pytest requires it); without it every
    dependency is followed.
    """
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:
        return parse(spec)
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    if req.marker is not None and not any(
        req.marker.evaluate({"extra": e}) for e in sorted(extras | {""})
    ):
        return None
    return canonical(req.name), frozenset(canonical(e) for e in req.extras)


def compile_one(path: str) -> bool:
    """Byte-compile one file (skipped when its ``.pyc`` is current); False on failure."""
    return bool(compileall.compile_file(path, quiet=2))


def main() -> None:
    """Compile on every core, import the runner, and print the JSON report."""
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        compiled = sum(pool.map(compile_one, dependency_files(sys.argv[1:]), chunksize=16))
    for module in ("pytest", "pytest_timeout"):  # proves the runner imports
        importlib.import_module(module)
    report = {
        "version": ".".join(map(str, sys.version_info[:3])),
        "prefixes": [
            sys.base_prefix,
            sys.base_exec_prefix,
            os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
        ],
        "compiled": compiled,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
