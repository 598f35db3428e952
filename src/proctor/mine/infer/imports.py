"""Test dependencies a repository uses but never declares, read from its test files' imports.

Many projects install their test tools from a CI script or a lock file proctor does not read, so
their declared test requirements miss ``hypothesis``, ``mock`` and the like. The imports of the
test files (and conftest files) show them. Only modules of :data:`KNOWN` become requirements:
the name of an arbitrary module says nothing sure about the distribution that provides it, and
guessing one could install the wrong project. Imports that are optional (inside ``try`` with an
``except ImportError``) are left out.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Collection, Iterable
from pathlib import PurePosixPath

from proctor.mine.infer.tree import GitTree, RepoTree

__all__ = ["KNOWN", "undeclared_test_imports"]

KNOWN = {
    "hypothesis": "hypothesis",
    "mock": "mock",
    "pytest_mock": "pytest-mock",
    "freezegun": "freezegun",
    "time_machine": "time-machine",
    "responses": "responses",
    "requests_mock": "requests-mock",
    "respx": "respx",
    "dirty_equals": "dirty-equals",
    "inline_snapshot": "inline-snapshot",
    "exceptiongroup": "exceptiongroup",
    "faker": "faker",
    "trustme": "trustme",
    "pretend": "pretend",
    "testfixtures": "testfixtures",
    "parameterized": "parameterized",
    "nose": "nose",
    "yaml": "pyyaml",
    "toml": "toml",
    "tomli": "tomli",
    "tomli_w": "tomli-w",
    "attr": "attrs",
    "attrs": "attrs",
    "six": "six",
    "pytz": "pytz",
    "dateutil": "python-dateutil",
    "typing_extensions": "typing-extensions",
    "importlib_metadata": "importlib-metadata",
    "jsonschema": "jsonschema",
    "numpy": "numpy",
    "trio": "trio",
    "anyio": "anyio",
    "httpx": "httpx",
    "requests": "requests",
    "docutils": "docutils",
    "pygments": "pygments",
    "setuptools": "setuptools",
    "pkg_resources": "setuptools",
    "packaging": "packaging",
    "flaky": "flaky",
    "pytest_asyncio": "pytest-asyncio",
    "pytest_httpserver": "pytest-httpserver",
    "moto": "moto",
    "cloudpickle": "cloudpickle",
    "psutil": "psutil",
}
"""Module to distribution, for test dependencies common enough to name for sure."""

MAX_FILES = 400
"""Test files read at most."""

_NORMAL = re.compile(r"[-_.]+")
_IGNORED = frozenset({"__future__", "pytest", "_pytest", "conftest"})


def _normal(name: str) -> str:
    return _NORMAL.sub("-", name).lower()


def _is_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def _optional(node: ast.Try) -> bool:
    """Whether a ``try`` catches ImportError (or anything): its imports are optional."""
    for handler in node.handlers:
        names = [handler.type] if not isinstance(handler.type, ast.Tuple) else handler.type.elts
        if handler.type is None or any(
            isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError", "Exception"}
            for n in names
        ):
            return True
    return False


def _imports(tree: ast.AST) -> Iterable[str]:
    """Top-level module names imported unconditionally (not inside an optional ``try``)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Try) and _optional(node):
            stack.extend([*node.handlers, *node.orelse, *node.finalbody])
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        stack.extend(ast.iter_child_nodes(node))


def _local_names(files: Collection[str]) -> set[str]:
    """Every module or package name the repository itself provides, wherever it lies."""
    names: set[str] = set()
    for path in files:
        parts = PurePosixPath(path).parts
        names.update(parts[:-1])
        if path.endswith(".py"):
            names.add(PurePosixPath(path).stem)
    return names


def undeclared_test_imports(tree: RepoTree, declared: Iterable[str]) -> tuple[list[str], list[str]]:
    """Requirements to add for what the test files import, and undeclared modules left out.

    Args:
        tree: the repository.
        declared: requirement names already in the environment (any spelling).

    Returns:
        The distributions of :data:`KNOWN` imported and not declared, sorted; and the other
        third-party modules imported that no requirement seems to provide, sorted.
    """
    files = tree.files()
    local = _local_names(files)
    have = {_normal(re.split(r"[\s\[<>=!~;@(]", d.strip(), maxsplit=1)[0]) for d in declared}
    found: set[str] = set()
    tests = sorted(f for f in files if f.endswith(".py") and _is_test_file(f))[:MAX_FILES]
    if isinstance(tree, GitTree):
        tree.prefetch(tests)  # one git process, not one per file
    for path in tests:
        text = tree.read(path)
        if text is None:
            continue
        try:
            found.update(_imports(ast.parse(text)))
        except (SyntaxError, ValueError):
            continue
    third_party = {
        m
        for m in found
        if m not in sys.stdlib_module_names and m not in _IGNORED and m not in local
    }
    add = sorted({KNOWN[m] for m in third_party if m in KNOWN and _normal(KNOWN[m]) not in have})
    unknown = sorted(m for m in third_party if m not in KNOWN and _normal(m) not in have)
    return add, unknown
