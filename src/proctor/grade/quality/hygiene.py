"""Hygiene of a change: what a careful engineer would not leave in a patch.

Findings, by kind:

* ``tampering`` — an existing test file edited or deleted, or test configuration changed
  (``conftest.py``, ``pytest.ini``, ``noxfile.py``, ``tox.ini [pytest]``,
  ``setup.cfg [tool:pytest]``, ``pyproject.toml [tool.pytest...]``; the rest of ``tox.ini``
  configures tox and linters, which a graded test run never reads). New test files are
  listed in ``details`` instead: writing tests is no offence, and the hidden tests are
  restored from the spec anyway;
* ``debug`` — ``breakpoint()``, ``pdb.set_trace()`` (or ipdb's) or ``from pdb import set_trace``
  on added lines (``import pdb`` alone is a module a program may use: click's test runner
  does), and
  ``print(`` where the repository does not print in files of that kind (library or script)
  and the file did not print at base;
* ``commented_code`` — added comment lines that parse as Python statements (prose does not),
  in a file with none at base;
* ``dependency`` — requirement names that the change adds to what the package needs at run
  time (requirements*.txt, pyproject's project and poetry dependencies, setup.py/setup.cfg
  install_requires), parsed with ``packaging`` (:func:`requirement_name`); one added to an
  extra, a dependency group or a development requirements file is a ``dev_dependency``,
  reported but not deciding;
* ``swallowed_exception`` — an ``except`` that catches everything (bare, ``Exception``,
  ``BaseException``) and only passes, new in the change (one the base of a changed file has
  is old or moved code). Passing on a named type is a decision (``except KeyError: pass``),
  which the maintainers' own fixes make;
* ``outside_reference`` — non-test files the reference change does not touch.

Every kind but ``dev_dependency`` decides
:attr:`~proctor.grade.quality.findings.QualityReport.clean`: each is what a reviewer sends back,
and each is judged against the repository (prints where it does not print, findings new in the
change only).
"""

from __future__ import annotations

import ast
import configparser
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from proctor.grade.quality.config import parse_toml
from proctor.grade.quality.findings import (
    CheckResult,
    Finding,
    added_lines,
    differing_paths,
    is_test_path,
    line_delta,
)
from proctor.grade.quality.samples import captures, node_text

_TEST_CONFIGS = frozenset({"conftest.py", "pytest.ini", "noxfile.py"})
_PYTEST_SECTIONS = {"setup.cfg": "tool:pytest", "tox.ini": "pytest"}
_SCRIPT_DIRS = frozenset({"scripts", "bin", "examples", "tools", "benchmarks", "docs"})
_SET_TRACE_IMPORT = re.compile(r"^from\s+i?pdb\s+import\b.*\bset_trace\b", re.S)
_PRINT_STATEMENT = re.compile(r"^[ \t]*print\(.*$", re.M)
_MAIN = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]""", re.M)
_PRAGMA = re.compile(
    r"(?:(?:noqa|type|pyright|mypy|pylint|ruff|isort|fmt|flake8|nosec|pragma|yapf|black|coding"
    r"|ty|pyre|pytype)\b|-\*-|!)",
    re.I,
)
_DEBUG_QUERY = """
(call function: (identifier) @fn)
(call function: (attribute) @method)
(import_statement) @import
(import_from_statement) @import
"""
_CODE_STATEMENTS = (
    ast.Assign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.Return, ast.For, ast.AsyncFor,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Raise, ast.Delete, ast.Assert,
    ast.Try, ast.Global, ast.Nonlocal,
)  # fmt: skip


def _finding(kind: str, path: str, line: int | None, message: str) -> Finding:
    return Finding(check="hygiene", kind=kind, path=path, line=line, message=message, rule=kind)


# --- tampering -----------------------------------------------------------------------------


def _pytest_section(name: str, text: str | None) -> object:
    if text is None:
        return None
    if name == "pyproject.toml":
        return parse_toml(text).get("tool", {}).get("pytest")
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return text  # unreadable: compare the raw text
    section = _PYTEST_SECTIONS[name]
    return dict(parser.items(section)) if parser.has_section(section) else None


def tampering(
    paths: Sequence[str], base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> tuple[list[Finding], list[str]]:
    """Tampering findings, and the test files the change added (not tampering)."""
    findings: list[Finding] = []
    added: list[str] = []
    for path in paths:
        name = PurePosixPath(path).name
        old, new = base.get(path), after.get(path)
        how = "added" if old is None else "deleted" if new is None else "edited"
        if name in _TEST_CONFIGS:
            findings.append(_finding("tampering", path, None, f"test configuration {how}"))
        elif is_test_path(path):
            if how == "added":
                added.append(path)
            else:
                findings.append(_finding("tampering", path, None, f"test file {how}"))
        elif name in ("setup.cfg", "tox.ini", "pyproject.toml") and _pytest_section(
            name, old
        ) != _pytest_section(name, new):
            findings.append(_finding("tampering", path, None, "pytest configuration changed"))
    return findings, added


# --- debugging leftovers and commented-out code --------------------------------------------


def file_kind(path: str, text: str) -> str:
    """``test``, ``script`` (a __main__ block, or under scripts/, bin/ ...) or ``library``."""
    if is_test_path(path):
        return "test"
    parts = PurePosixPath(path).parts
    if _MAIN.search(text) or parts[-1] == "__main__.py" or _SCRIPT_DIRS & set(parts[:-1]):
        return "script"
    return "library"


def silent_kinds(
    sources: Mapping[str, str], max_share: float = 0.1, min_files: int = 10
) -> set[str]:
    """File kinds in which the repository does not print: no file of that kind prints; or one
    does (a leftover) of at least ``min_files // 2``; or at most ``max_share`` of at least
    ``min_files`` do. A print in a docstring's example, or to a ``file=``, does not count."""
    files: dict[str, list[bool]] = {}
    for path, text in sources.items():
        files.setdefault(file_kind(path, text), []).append(prints(text))
    silent = set()
    for kind, printing in files.items():
        count, total = sum(printing), len(printing)
        allowed = max_share * total if total >= min_files else 0
        if count <= max(allowed, 1 if total >= min_files // 2 else 0):
            silent.add(kind)
    return silent


def prints(text: str) -> bool:
    """Whether code calls ``print`` as a statement of its own, to standard output (not to a
    ``file=``; a docstring's example does not count)."""
    return any("file=" not in line for line in _PRINT_STATEMENT.findall(text))


def debug_leftovers(path: str, old: str | None, new: str, silent: set[str]) -> list[Finding]:
    """Debugger calls and imports, and prints where the repository does not print."""
    lines = added_lines(old, new)
    no_print = file_kind(path, new) in silent and not (old and prints(old))
    found = captures(new, _DEBUG_QUERY)
    hits: list[tuple[int, str]] = []
    for node in found.get("fn", []):
        name = node_text(node)
        to_file = node.parent is not None and "file=" in node_text(node.parent)
        if name == "breakpoint" or (name == "print" and no_print and not to_file):
            hits.append((node.start_point[0] + 1, f"{name}() call"))
    for node in found.get("method", []):
        if node_text(node) in ("pdb.set_trace", "ipdb.set_trace"):
            hits.append((node.start_point[0] + 1, f"{node_text(node)}() call"))
    for node in found.get("import", []):
        if _SET_TRACE_IMPORT.search(node_text(node)):
            hits.append((node.start_point[0] + 1, f"debugger import `{node_text(node)}`"))
    return [_finding("debug", path, n, what) for n, what in sorted(set(hits)) if n in lines]


def looks_like_code(comment: str) -> bool:
    """Whether a comment's text (without ``#``) is a Python statement rather than prose."""
    text = comment.strip()
    if not text or _PRAGMA.match(text):
        return False
    for candidate in (text, f"{text} pass" if text.endswith(":") else ""):
        try:
            body = ast.parse(candidate).body if candidate else []
        except (SyntaxError, ValueError):
            continue
        return bool(body) and all(_is_code(statement) for statement in body)
    return False


def _is_code(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, (ast.Call, ast.Await))
    if isinstance(statement, ast.AnnAssign):
        return statement.value is not None
    if isinstance(statement, (ast.If, ast.While)):
        return not isinstance(statement.test, ast.Name)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return not all(isinstance(item.context_expr, ast.Name) for item in statement.items)
    return isinstance(statement, _CODE_STATEMENTS)


def commented_code(path: str, old: str | None, new: str) -> list[Finding]:
    """Runs of added comment lines that hold code; one finding at the first line of each.
    None in a file that holds commented-out code at base: a scratch script, say."""
    if old and any(
        line.strip().startswith("#") and looks_like_code(line.strip().lstrip("#"))
        for line in old.splitlines()
    ):
        return []
    lines = new.splitlines()
    findings: list[Finding] = []
    previous = -1
    for number in sorted(added_lines(old, new)):
        stripped = lines[number - 1].strip()
        if stripped.startswith("#") and looks_like_code(stripped.lstrip("#")):
            if number != previous + 1:
                message = f"commented-out code: `{stripped[:80]}`"
                findings.append(_finding("commented_code", path, number, message))
            previous = number
    return findings


# --- swallowed exceptions ------------------------------------------------------------------


def swallowed_handlers(text: str) -> list[tuple[int, str]]:
    """(line, caught types) of each ``except`` whose body only passes (``pass`` or ``...``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and all(_does_nothing(s) for s in node.body):
            caught = ast.unparse(node.type) if node.type is not None else ""
            caught = caught.removeprefix("builtins.")
            found.append((node.lineno, caught))
    return sorted(found)


def _does_nothing(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def swallowed_exceptions(
    paths: Sequence[str], base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> list[Finding]:
    """Catch-all handlers that only pass, new in the change: on an added line, and not matched
    (by the types caught, with multiplicity) by one the base of a changed file has."""
    pool: Counter[str] = Counter()
    for path in paths:
        old = base.get(path)
        if path.endswith(".py") and old is not None:
            pool.update(caught for _, caught in swallowed_handlers(old))
    fresh: list[tuple[str, int, str]] = []
    for path in paths:
        new = after.get(path)
        if not path.endswith(".py") or new is None or is_test_path(path):
            continue
        added = added_lines(base.get(path), new)
        for line, caught in swallowed_handlers(new):
            if line in added or line + 1 in added:
                fresh.append((path, line, caught))
            elif pool[caught] > 0:
                pool[caught] -= 1  # kept as it was
    findings = []
    for path, line, caught in fresh:
        if pool[caught] > 0:
            pool[caught] -= 1  # moved or rewritten
            continue
        if caught not in _CATCH_ALL:
            continue
        what = f"`except {caught}`" if caught else "a bare `except`"
        message = f"{what} swallows the exception (its body only passes)"
        findings.append(_finding("swallowed_exception", path, line, message))
    return findings


# --- dependencies --------------------------------------------------------------------------


_CATCH_ALL = frozenset({"", "Exception", "BaseException"})
_DEV_REQUIREMENTS = re.compile(r"dev|test|doc|lint|typ|ci\b|build|bench|tox")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_EGG = re.compile(r"[#&]egg=([^&\s]+)")


def requirement_name(requirement: str) -> str | None:
    """The canonical name (PEP 503) a requirement string declares, or None when it declares none.

    A PEP 508 requirement (``Left_Pad[extra]>=1; python_version<"3.9"``, ``name @ URL``) gives
    its canonical name. A URL or local path with no name (``https://host/pkg-1.0.whl``,
    ``git+https://host/repo.git``, ``./vendor/pkg``) is identified by its ``#egg=`` name when it
    has one, else by the location itself: it is still a dependency the change adds. Blank text
    and text that is neither (pip would refuse it too) declare nothing.
    """
    text = re.split(r"\s#", requirement, maxsplit=1)[0].strip()
    if not text:
        return None
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        pass
    if "://" in text or text.startswith((*_VCS_PREFIXES, ".", "/")):
        egg = _EGG.search(text)
        return canonicalize_name(egg.group(1)) if egg else text
    return None


def _requirements_txt(text: str) -> list[str]:
    """Requirement lines of a requirements file: no options (``-r``, ``--hash``), no comments."""
    lines = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        if not line.strip().startswith("-"):
            lines.append(re.split(r"\s--", line, maxsplit=1)[0])
    return lines


def _pyproject_requirements(text: str, runtime: bool = False) -> list[str]:
    data = parse_toml(text)
    project = data.get("project", {})
    poetry: dict[str, Any] = data.get("tool", {}).get("poetry", {})
    found = list(project.get("dependencies", []))
    tables = [poetry.get("dependencies", {})]
    if not runtime:
        for extra in project.get("optional-dependencies", {}).values():
            found += extra
        for group in data.get("dependency-groups", {}).values():
            found += [g for g in group if isinstance(g, str)]
        tables.append(poetry.get("dev-dependencies", {}))
        tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    found += [name for table in tables for name in table if name != "python"]
    return [r for r in found if isinstance(r, str)]


def _setup_py_requirements(text: str, runtime: bool = False) -> list[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    keywords = ("install_requires",) if runtime else ("install_requires", "extras_require")
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in keywords:
            values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
            found += [
                c.value
                for value in values
                if value is not None
                for c in ast.walk(value)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
    return found


def _setup_cfg_requirements(text: str, runtime: bool = False) -> list[str]:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    values = [parser.get("options", "install_requires", fallback="")]
    if parser.has_section("options.extras_require") and not runtime:
        values += [v for _, v in parser.items("options.extras_require")]
    return [line for value in values for line in value.splitlines()]


def requirement_names(path: str, text: str | None, *, runtime: bool = False) -> set[str]:
    """Normalised names of the requirements a dependency file declares; with ``runtime``, only
    those installing the package needs (no extras, dependency groups or development files)."""
    if text is None:
        return set()
    pure = PurePosixPath(path)
    if pure.name == "pyproject.toml":
        raw = _pyproject_requirements(text, runtime)
    elif pure.name == "setup.py":
        raw = _setup_py_requirements(text, runtime)
    elif pure.name == "setup.cfg":
        raw = _setup_cfg_requirements(text, runtime)
    elif pure.suffix in (".txt", ".in") and "requirements" in path.lower():
        if runtime and _DEV_REQUIREMENTS.search(path.lower()):
            return set()
        raw = _requirements_txt(text)
    else:
        return set()
    return {name for r in raw if (name := requirement_name(r))}


def new_dependencies(
    paths: Sequence[str], base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> list[Finding]:
    """Requirements the change declares that no changed file declared at base: ``dependency``
    for one the package needs at run time, ``dev_dependency`` for an extra, a dependency group
    or a development requirements file (reported, not deciding: docs and test tools come and
    go with the maintainers' own changes)."""
    before = set().union(*(requirement_names(p, base.get(p)) for p in paths))
    findings = []
    for path in paths:
        runtime = requirement_names(path, after.get(path), runtime=True)
        for name in sorted(requirement_names(path, after.get(path)) - before):
            kind = "dependency" if name in runtime else "dev_dependency"
            what = "new dependency" if name in runtime else "new development dependency"
            findings.append(_finding(kind, path, None, f"{what} `{name}`"))
    return findings


# --- footprint and size --------------------------------------------------------------------


def size_stats(
    paths: Sequence[str],
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    reference_paths: Sequence[str],
    reference_lines: int | None,
) -> dict[str, int | float | None]:
    """Lines and files the change touches (tests left out, as references hold none)."""
    counted = [p for p in paths if not is_test_path(p)]
    plus = minus = 0
    for path in counted:
        a, m = line_delta(base.get(path), after.get(path))
        plus, minus = plus + a, minus + m
    ref_files = len([p for p in reference_paths if not is_test_path(p)]) or None
    lines = plus + minus
    return {
        "lines_added": plus,
        "lines_removed": minus,
        "lines": lines,
        "files": len(counted),
        "reference_lines": reference_lines,
        "reference_files": ref_files,
        "lines_ratio": round(lines / reference_lines, 3) if reference_lines else None,
        "files_ratio": round(len(counted) / ref_files, 3) if ref_files else None,
    }


def check_hygiene(
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    *,
    sources: Mapping[str, str],
    reference_paths: Sequence[str] = (),
) -> CheckResult:
    """Every hygiene finding of the change (``sources``: base texts to learn print norms)."""
    paths = differing_paths(base, after)
    findings, tests_added = tampering(paths, base, after)
    silent = silent_kinds(sources)
    for path in paths:
        new = after.get(path)
        if path.endswith(".py") and new is not None:
            findings += debug_leftovers(path, base.get(path), new, silent)
            findings += commented_code(path, base.get(path), new)
    findings += new_dependencies(paths, base, after)
    findings += swallowed_exceptions(paths, base, after)
    if reference_paths:
        footprint = set(reference_paths)
        findings += [
            _finding("outside_reference", p, None, "file not touched by the reference change")
            for p in paths
            if p not in footprint and not is_test_path(p)
        ]
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing found"
    details = {"tests_added": tests_added, "silent_print_kinds": sorted(silent), "counts": counts}
    return CheckResult(
        name="hygiene", ok=not findings, findings=findings, summary=summary, details=details
    )
