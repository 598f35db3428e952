"""Requirement lists written for pip: ``requirements*.txt``, tox's deps and nox's installs.

Each reader returns a :class:`Found`: the PEP 508 requirements it read, the extras of the
project itself it names (``.[test]``, ``-e .[dev]``), and the files it followed (``-r``).
Options, editable or local paths, URLs without a name and hashes are left out.
"""

from __future__ import annotations

import ast
import configparser
import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement

from proctor.mine.infer.metadata import is_test_name
from proctor.mine.infer.tree import RepoTree

__all__ = [
    "Found",
    "add_line",
    "nox_installs",
    "read_requirements",
    "requirement_files",
    "tox_deps",
]

_SELF = re.compile(r"^\.(?:/)?(?:\[([^\]]*)\])?$")
_FACTOR = re.compile(r"^[A-Za-z0-9_.,!-]+:\s")
_REQ_FILE = re.compile(r"^(?:[\w.-]*[-_.])?requirements?(?:[-_.][\w.-]*)?\.txt$", re.I)
_REQ_DIRS = ("requirements", "reqs")
# Stems of requirement files kept: runtime ones, and any naming tests, dev or CI.
_KEEP_STEMS = frozenset({"", "base", "common", "core", "main", "install", "prod", "runtime"})
_KEEP_WORDS = ("test", "dev", "ci")
# pip options of session.install whose value is not a requirement.
_NOX_VALUE_FLAGS = frozenset(
    {"-c", "--constraint", "--group", "-i", "--index-url", "--extra-index-url"}
    | {"-f", "--find-links", "--python", "--target", "-t", "--prefix"}
)


@dataclass
class Found:
    """Requirements read from one place (a file and what it includes)."""

    label: str
    """Where they come from, as a note says it (e.g. ``tox.ini [testenv] deps``)."""
    requirements: list[str] = field(default_factory=list)
    """PEP 508 requirements, in file order."""
    self_extras: list[str] = field(default_factory=list)
    """Extras of the project itself that were named (``.[test]``)."""
    files: list[str] = field(default_factory=list)
    """Requirement files read, the first one included."""
    skipped: list[str] = field(default_factory=list)
    """Lines left out because they do not parse as requirements."""


def _lines(text: str) -> Iterator[str]:
    """Logical lines: continuations joined, comments and blank lines dropped."""
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            yield line


def _self_extras(target: str) -> list[str] | None:
    """The extras of ``.[a,b]`` (or ``.``: none); None if ``target`` is not the project."""
    match = _SELF.match(target.strip())
    if match is None:
        return None
    return [e.strip() for e in (match.group(1) or "").split(",") if e.strip()]


def _add(found: Found, text: str) -> None:
    """Add one requirement (or self reference) to ``found``; anything else is left out."""
    text = re.split(r"\s+--hash", text)[0].strip()
    extras = _self_extras(text)
    if extras is not None:
        found.self_extras += extras
        return
    if text.startswith(("-", "/", "./", "../", "file:", "~")) or (
        "://" in text and " @ " not in text and "@" not in text.split("://")[0]
    ):
        return
    try:
        found.requirements.append(str(Requirement(text)))
    except InvalidRequirement:
        found.skipped.append(text)


def _follow(tree: RepoTree | None, path: str, found: Found) -> None:
    """Read requirement file ``path`` into ``found``, following ``-r``; each file once."""
    path = posixpath.normpath(path)
    if path in found.files:
        return
    text = tree.read(path) if tree is not None else None
    if text is None:
        return
    found.files.append(path)
    here = posixpath.dirname(path)
    for line in _lines(text):
        add_line(tree, line, here, found)


def add_line(tree: RepoTree | None, line: str, here: str, found: Found) -> None:
    """Read one line of a requirements file (or tox deps, or a TOML list) into ``found``.

    Args:
        tree: where ``-r FILE`` is followed; None: nowhere (the line is dropped).
        line: the line, comments already removed.
        here: the folder ``-r`` paths are relative to ('' for the top level).
        found: what is read so far; changed in place.
    """
    include = re.match(r"^(?:-r|--requirement)[\s=]*(\S+)$", line)
    if include:
        _follow(tree, posixpath.join(here, include.group(1)), found)
        return
    editable = re.match(r"^(?:-e|--editable)[\s=]*(\S+)$", line)
    if editable:
        extras = _self_extras(editable.group(1))
        if extras is not None:
            found.self_extras += extras
        return
    if not line.startswith("-"):
        _add(found, line)


def requirement_files(files: Iterable[str]) -> tuple[list[str], list[str]]:
    """Which requirement files to read: ``(kept, passed over)``.

    Kept are ``requirements.txt``-like files at the top level or in ``requirements/``
    whose name says runtime, test, dev or CI, runtime ones first; the others (docs, lint,
    ...) are passed over.
    """
    kept: list[tuple[bool, str]] = []
    passed: list[str] = []
    for path in files:
        folder, name = posixpath.split(path)
        if not (folder == "" and _REQ_FILE.match(name)) and not (
            folder in _REQ_DIRS and name.endswith(".txt")
        ):
            continue
        stem = re.sub(r"requirements?", "", name[:-4].lower()).strip("-_.")
        if stem in _KEEP_STEMS or any(w in stem for w in _KEEP_WORDS):
            kept.append((stem not in _KEEP_STEMS, path))
        else:
            passed.append(path)
    return [path for _, path in sorted(kept)], passed


def read_requirements(tree: RepoTree, path: str) -> Found:
    """The requirements of file ``path`` and of the files it includes with ``-r``."""
    found = Found(label=path)
    _follow(tree, path, found)
    return found


def tox_deps(tree: RepoTree) -> Found | None:
    """``[testenv] deps`` and ``extras`` of tox.ini; None without a tox.ini.

    Lines that depend on a factor (``py38: x``) or hold a substitution are left out, except
    ``-r {toxinidir}/file``, which is followed.
    """
    text = tree.read("tox.ini")
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    try:
        parser.read_string(text, "tox.ini")
    except configparser.Error:
        return None
    found = Found(label="tox.ini [testenv] deps")
    if not parser.has_section("testenv"):
        return found
    for line in _lines(parser.get("testenv", "deps", fallback="")):
        line = line.replace("{toxinidir}/", "")
        if "{" in line or _FACTOR.match(line):
            continue
        add_line(tree, line, "", found)
    extras = parser.get("testenv", "extras", fallback="")
    found.self_extras += [e for e in re.split(r"[\s,]+", extras) if e and "{" not in e]
    return found


def nox_installs(tree: RepoTree) -> Found | None:
    """String literals passed to ``session.install(...)`` in noxfile.py's test sessions.

    A session counts when its function's name says tests (:func:`is_test_name`); lint and
    docs sessions are left out. None without a noxfile.py.
    """
    text = tree.read("noxfile.py")
    if text is None:
        return None
    found = Found(label="noxfile.py session.install")
    try:
        module = ast.parse(text)
    except SyntaxError:
        return found
    sessions = [
        node
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and is_test_name(node.name)
    ]
    for call in (n for s in sessions for n in ast.walk(s) if isinstance(n, ast.Call)):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "install":
            words = [a.value if isinstance(a, ast.Constant) else None for a in call.args]
            _nox_words([w if isinstance(w, str) else None for w in words], tree, found)
    return found


def _nox_words(words: list[str | None], tree: RepoTree, found: Found) -> None:
    """The arguments of one ``session.install`` (None: not a literal) into ``found``."""
    for flag, value in itertools.pairwise([None, *words]):
        if value is None or value.startswith("-"):
            continue
        if flag in ("-r", "--requirement"):
            _follow(tree, value, found)
        elif flag in ("-e", "--editable"):
            add_line(tree, f"-e {value}", "", found)
        elif flag not in _NOX_VALUE_FLAGS:
            _add(found, value)
