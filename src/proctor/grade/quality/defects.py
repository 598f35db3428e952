"""Review defects injected into a reference fix, to measure what the quality grading catches.

A reference fix passed its maintainers' review; the same fix with one defect a reviewer would
send back should not hold up. :func:`inject` makes such a change from a reference patch and
a checkout of the base (read only), for each of :data:`DEFECT_KINDS`:

* ``debug_print`` — a ``print(name)`` of a value at hand, before a statement the fix added;
* ``commented_code`` — a line the fix removed (else one it added) left behind as a comment;
* ``naming`` — a new helper function named against the repository's naming norm;
* ``test_edit`` — an existing test skipped (an edited test file);
* ``unrelated_file`` — a drive-by edit of a module the fix does not touch;
* ``lint_error`` — an unused local variable (F841) in a function the fix changed, else an
  unused import (F401): pyflakes' rules, in every configuration's default selection;
* ``dependency`` — a new requirement declared where the repository declares its own;
* ``swallowed_exception`` — a statement the fix added wrapped in ``try/except Exception: pass``.

:data:`CAUGHT_BY` names the finding (``check:rule``) meant for each, and :func:`caught` tells
whether a report's deciding findings include it. Everything is a pure function of the patch
and the base files; ``None`` means the kind does not apply (no Python file changed, no
dependency file, no naming norm to go against...).
"""

from __future__ import annotations

import ast
import builtins
import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from proctor.grade.quality.conventions import base_sources, build_norms, learn
from proctor.grade.quality.findings import Finding, added_lines, is_test_path
from proctor.repo import file_sections, parse_file_diff, rediff, text_after

DEFECT_KINDS = (
    "debug_print",
    "commented_code",
    "naming",
    "test_edit",
    "unrelated_file",
    "lint_error",
    "dependency",
    "swallowed_exception",
)
CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "debug_print": ("hygiene:debug", "lint:T201"),
    "commented_code": ("hygiene:commented_code",),
    "naming": ("conventions:naming.",),
    "test_edit": ("hygiene:tampering",),
    "unrelated_file": ("hygiene:outside_reference",),
    "lint_error": ("lint:F401", "lint:F841"),
    "dependency": ("hygiene:dependency",),
    "swallowed_exception": ("hygiene:swallowed_exception",),
}
"""Defect kind -> ``check:rule`` prefixes of the findings meant to catch it (T201 is the lint
rule for prints, where the repository's configuration selects it)."""

_SKIP_DIRS = frozenset({"venv", "env", "build", "dist", "site-packages", "node_modules", "docs"})
_BUILTINS = frozenset(dir(builtins))
_SCRIPT_DIRS = frozenset({"scripts", "bin", "examples", "tools", "benchmarks", "docs"})
_UNUSED_MODULES = ("getpass", "pprint", "shelve", "telnetlib", "sched", "mailbox", "uu")
_NEW_PACKAGES = ("requests", "rich", "tqdm", "click")
_COMPOUND = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor,
    ast.While, ast.Try, ast.With, ast.AsyncWith, ast.Match,
)  # fmt: skip


@dataclass(frozen=True)
class Defect:
    """A reference fix with one defect: its kind, the whole patch, and where it went."""

    kind: str
    patch: str
    path: str


def finding_id(finding: Finding) -> str:
    """``check:rule`` of a finding (its kind when it has no rule)."""
    return f"{finding.check}:{finding.rule or finding.kind}"


def caught(kind: str, deciding: Iterable[Finding]) -> bool:
    """Whether the findings that decide ``clean`` include one meant for ``kind``."""
    meant = CAUGHT_BY[kind]
    return any(finding_id(f).startswith(meant) for f in deciding)


def inject(kind: str, reference: str, root: Path) -> Defect | None:
    """The reference patch with one defect of ``kind``, or None where it does not apply.

    Args:
        kind: one of :data:`DEFECT_KINDS`.
        reference: the reference fix, a diff from the base commit.
        root: a checkout of the base commit (only read).
    """
    return _INJECTORS[kind](reference, root)


def inject_all(reference: str, root: Path) -> list[Defect]:
    """One defect of every kind that applies, in :data:`DEFECT_KINDS` order."""
    return [d for kind in DEFECT_KINDS if (d := inject(kind, reference, root)) is not None]


# --- the patch as base and after texts -----------------------------------------------------


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def _header(rel: str) -> str:
    return f"diff --git a/{rel} b/{rel}\n--- a/{rel}\n+++ b/{rel}\n"


def _after_texts(reference: str, root: Path) -> dict[str, tuple[str, str]]:
    """Path -> (base text, text after the fix) of each file the fix changes as text."""
    texts: dict[str, tuple[str, str]] = {}
    for paths, section in file_sections(reference):
        if len(set(paths)) != 1:
            continue
        base = _read(root, paths[0]) or ""
        after = text_after(base, parse_file_diff(section))
        if after is not None and "\n+++ /dev/null" not in section:
            texts[paths[0]] = (base, after)
    return texts


def _with_edit(
    reference: str, root: Path, rel: str, edit: Callable[[str], str | None]
) -> str | None:
    """The reference patch with ``rel``'s text after it edited by ``edit`` (None: no edit)."""
    sections = file_sections(reference)
    for index, (paths, section) in enumerate(sections):
        if paths == [rel] or set(paths) == {rel}:
            diff = parse_file_diff(section)
            base = _read(root, rel) or ""
            after = text_after(base, diff)
            new = edit(after) if after is not None else None
            if new is None:
                return None
            texts = [text for _, text in sections]
            texts[index] = rediff(diff.head, base, new)
            return "".join(texts)
    old = _read(root, rel)
    changed = edit(old) if old is not None else None
    if old is None or changed is None or changed == old:
        return None
    return "".join(text for _, text in sections) + rediff(_header(rel), old, changed)


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _target(reference: str, root: Path, avoid_init: bool = False) -> tuple[str, str, str] | None:
    """(path, base, after) of the first non-test Python file the fix changes and keeps."""
    found = [
        (rel, base, after)
        for rel, (base, after) in _after_texts(reference, root).items()
        if rel.endswith(".py") and not is_test_path(rel) and after.strip() and _parses(after)
    ]
    if avoid_init:
        found.sort(key=lambda item: PurePosixPath(item[0]).name == "__init__.py")
    return found[0] if found else None


def _added(base: str, after: str) -> list[int]:
    """1-based lines of ``after`` that are not in ``base`` (as a line diff sees them)."""
    return sorted(added_lines(base, after))


def _anchor(base: str, after: str) -> ast.stmt | None:
    """A simple statement the fix added (the innermost one on its first added line that
    starts a line); else the first simple statement after the first added line."""
    tree = ast.parse(after)
    lines = after.splitlines()
    simple = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt)
        and not isinstance(node, _COMPOUND)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        and lines[node.lineno - 1][: node.col_offset].strip() == ""
    ]
    simple.sort(key=lambda node: (node.lineno, -node.col_offset))
    added = _added(base, after)
    for line in added:
        for node in simple:
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                return node
    first = added[0] if added else 1
    later = [node for node in simple if node.lineno >= first]
    return later[0] if later else None


def _indent_of(after: str, node: ast.stmt) -> str:
    return after.splitlines()[node.lineno - 1][: node.col_offset]


def _insert(text: str, before_line: int, new_lines: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    block = [line + "\n" for line in new_lines]
    return "".join(lines[: before_line - 1] + block + lines[before_line - 1 :])


# --- the injectors -------------------------------------------------------------------------


def _loaded_names(node: ast.stmt) -> list[str]:
    """Names a statement reads and does not itself assign (defined where it runs), builtins
    left out."""
    stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not _loads(n)}
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and _loads(n)]
    return [name for name in names if name not in stored and name not in _BUILTINS]


def _loads(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Load)


def _arguments(tree: ast.Module, node: ast.stmt) -> list[str]:
    """The parameters of the innermost function around ``node`` (none at module level)."""
    around = [
        f
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and f.lineno < node.lineno <= (f.end_lineno or f.lineno)
    ]
    if not around:
        return []
    args = max(around, key=lambda f: f.lineno).args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def _at_anchor(
    kind: str, reference: str, root: Path, change: Callable[[str, ast.stmt], str | None]
) -> Defect | None:
    """A ``kind`` defect made by ``change`` (the file's text after the fix, the statement the
    fix added that it anchors on -> the new text, or None) in the file :func:`_target` picks."""
    target = _target(reference, root)
    if target is None:
        return None
    rel, base, _after = target

    def edit(text: str) -> str | None:
        node = _anchor(base, text)
        return None if node is None else change(text, node)

    patch = _with_edit(reference, root, rel, edit)
    return Defect(kind, patch, rel) if patch else None


def _debug_print(reference: str, root: Path) -> Defect | None:
    def change(text: str, node: ast.stmt) -> str:
        names = _loaded_names(node) or _arguments(ast.parse(text), node) or ["__name__"]
        return _insert(text, node.lineno, [f"{_indent_of(text, node)}print({names[0]})"])

    return _at_anchor("debug_print", reference, root, change)


_SUBSTANTIVE = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise, ast.Delete, ast.Assert,
    ast.Import, ast.ImportFrom,
)  # fmt: skip


def _one_line_statement(line: str) -> bool:
    """Whether ``line`` alone is one statement that does something (an assignment, a call, a
    return of a value...; not ``pass``, ``continue`` or a bare name), comment-free."""
    text = line.strip()
    if not text or text.startswith(("#", "@")) or "#" in text:
        return False
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError):
        return False
    if len(body) != 1:
        return False
    node = body[0]
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call)
    if isinstance(node, ast.Return):
        return node.value is not None
    return isinstance(node, _SUBSTANTIVE)


def _commented_code(reference: str, root: Path) -> Defect | None:
    target = _target(reference, root)
    if target is None:
        return None
    rel, base, after = target
    old_lines, new_lines = base.splitlines(), after.splitlines()
    removed = [old_lines[n - 1] for n in _added(after, base)]  # lines the fix took out
    added = [new_lines[n - 1] for n in _added(base, after)]
    kept = next((line for line in removed + added if _one_line_statement(line)), None)
    if kept is None:  # the fix only adds control flow: a statement near it, then
        node = _anchor(base, after)
        start = node.lineno if node is not None else 1
        near = sorted(range(1, len(new_lines) + 1), key=lambda n: abs(n - start))
        kept = next((new_lines[n - 1] for n in near if _one_line_statement(new_lines[n - 1])), None)
    if kept is None:
        return None

    def edit(text: str) -> str | None:
        node = _anchor(base, text)
        if node is None or kept is None:
            return None
        return _insert(text, node.lineno, [f"{_indent_of(text, node)}# {kept.strip()}"])

    patch = _with_edit(reference, root, rel, edit)
    return Defect("commented_code", patch, rel) if patch else None


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _naming(reference: str, root: Path) -> Defect | None:
    target = _target(reference, root)
    if target is None:
        return None
    rel, base, _after = target
    norm = build_norms(learn(base_sources(root, {}))).get("naming.function")
    if norm is None or not norm.kept(0.9, 10):
        return None  # no naming norm to go against

    def edit(text: str) -> str | None:
        node = _anchor(base, text)
        tree = ast.parse(text)
        top = next(
            (
                n
                for n in tree.body
                if node is not None and n.lineno <= node.lineno <= (n.end_lineno or n.lineno)
            ),
            tree.body[-1] if tree.body else None,
        )
        if top is None:
            return None
        defs = [
            n.name
            for n in ast.walk(top)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.lineno <= (node.lineno if node else n.lineno)
        ]
        words = [w for w in re.split(r"_+|(?<=[a-z])(?=[A-Z])", defs[-1] if defs else "") if w]
        words = [w.lower() for w in words] or ["compute"]
        words.append("helper")
        name = _camel(words) if norm.value == "snake_case" else "_".join(words)
        if re.search(rf"\b{name}\b", text):
            return None
        return _insert(
            text,
            (top.end_lineno or top.lineno) + 1,
            ["", "", f"def {name}(value):", "    return value"],
        )

    patch = _with_edit(reference, root, rel, edit)
    return Defect("naming", patch, rel) if patch else None


def _repo_files(root: Path) -> list[str]:
    """Repository-relative ``.py`` files of the checkout, in path order."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        rel_folder = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        found += [f"{prefix}{name}" for name in sorted(files) if name.endswith(".py")]
    return found


def _touched(reference: str) -> set[str]:
    return {path for paths, _ in file_sections(reference) for path in paths}


def _test_edit(reference: str, root: Path) -> Defect | None:
    target = _target(reference, root)
    stem = PurePosixPath(target[0]).stem if target else ""
    touched = _touched(reference)
    tests = [
        rel
        for rel in _repo_files(root)
        if is_test_path(rel) and PurePosixPath(rel).name.startswith("test") and rel not in touched
    ]
    tests.sort(key=lambda rel: PurePosixPath(rel).stem != f"test_{stem}")
    for rel in tests:
        patch = _with_edit(reference, root, rel, _skip_first_test)
        if patch:
            return Defect("test_edit", patch, rel)
    return None


def _skip_first_test(text: str) -> str | None:
    """The test file with its first test skipped (pytest's or unittest's marker)."""
    match = re.search(r"^([ \t]*)(?:async\s+)?def test\w*\(", text, re.M)
    if match is None:
        return None
    if re.search(r"^import pytest\b", text, re.M):
        marker = '@pytest.mark.skip(reason="flaky")'
    elif re.search(r"^import unittest\b", text, re.M):
        marker = '@unittest.skip("flaky")'
    else:
        return None
    line = text.count("\n", 0, match.start()) + 1
    lines = text.splitlines()
    while line > 1 and lines[line - 2].strip().startswith("@"):
        line -= 1
    return _insert(text, line, [f"{match.group(1)}{marker}"])


def _unrelated_file(reference: str, root: Path) -> Defect | None:
    touched = _touched(reference)
    target = _target(reference, root)
    folder = str(PurePosixPath(target[0]).parent) if target else ""
    skipped = ("setup.py", "__init__.py", "conftest.py", "__main__.py")
    candidates = [
        rel
        for rel in _repo_files(root)
        if rel not in touched
        and not is_test_path(rel)
        and PurePosixPath(rel).name not in skipped
        and not _SCRIPT_DIRS & set(PurePosixPath(rel).parts[:-1])
    ]
    candidates.sort(key=lambda rel: str(PurePosixPath(rel).parent) != folder)
    for rel in candidates:
        text = _read(root, rel)
        if not text or not _parses(text):
            continue
        patch = _with_edit(reference, root, rel, lambda t: t.rstrip("\n") + "\n\n# TODO: tidy up\n")
        if patch:
            return Defect("unrelated_file", patch, rel)
    return None


def _in_function(tree: ast.Module, node: ast.stmt) -> bool:
    return any(
        isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and f.lineno < node.lineno <= (f.end_lineno or f.lineno)
        for f in ast.walk(tree)
    )


def _lint_error(reference: str, root: Path) -> Defect | None:
    target = _target(reference, root, avoid_init=True)
    if target is None:
        return None
    rel, base, _after = target

    def edit(text: str) -> str | None:
        tree = ast.parse(text)
        node = _anchor(base, text)
        names = _loaded_names(node) if node is not None else []
        if node is not None and names and _in_function(tree, node):
            if re.search(r"\bleftover\b", text):
                return None  # an unused local: F841
            line = f"{_indent_of(text, node)}leftover = {names[0]}"
            return _insert(text, node.lineno, [line])
        module = next((m for m in _UNUSED_MODULES if not re.search(rf"\b{m}\b", text)), None)
        if module is None:
            return None  # an unused import: F401
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if imports:
            at = (imports[-1].end_lineno or imports[-1].lineno) + 1
        elif tree.body and isinstance(tree.body[0], ast.Expr):
            at = (tree.body[0].end_lineno or 1) + 1
        else:
            lines = text.splitlines()
            at = 1
            while at <= len(lines) and lines[at - 1].startswith("#"):
                at += 1
        return _insert(text, at, [f"import {module}"])

    patch = _with_edit(reference, root, rel, edit)
    return Defect("lint_error", patch, rel) if patch else None


def _after_match(text: str, at: int, item: str) -> str:
    """``text`` with a list ``item`` inserted at ``at`` (no trailing space before a line end)."""
    space = "" if text[at : at + 1] in ("\n", "\r", "") else " "
    return text[:at] + item + space + text[at:]


def _declare(rel: str, text: str, *, package: str) -> str | None:
    """``text`` of a dependency file with ``package`` declared (None: no place for it)."""
    name = PurePosixPath(rel).name
    requirement = f"{package}>=2.0"
    if name == "pyproject.toml":
        project = re.search(r"^\[project\]\s*$", text, re.M)
        if project is None:
            return None
        end = re.search(r"^\[", text[project.end() :], re.M)
        stop = project.end() + (end.start() if end else len(text) - project.end())
        section = text[project.end() : stop]
        deps = re.search(r"^dependencies\s*=\s*\[", section, re.M)
        if deps is None:
            return (
                text[: project.end()]
                + f'\ndependencies = ["{requirement}"]'
                + text[project.end() :]
            )
        return _after_match(text, project.end() + deps.end(), f'"{requirement}",')
    if name == "setup.py":
        match = re.search(r"install_requires\s*=\s*\[", text)
        if match:
            return _after_match(text, match.end(), f'"{requirement}",')
        match = re.search(r"\bsetup\(", text)
        if match is None:
            return None
        return text[: match.end()] + f'install_requires=["{requirement}"], ' + text[match.end() :]
    if name == "setup.cfg":
        match = re.search(r"^install_requires\s*=.*$", text, re.M)
        if match is None:
            return None
        return text[: match.end()] + f"\n    {requirement}" + text[match.end() :]
    return text.rstrip("\n") + f"\n{requirement}\n"


def _dependency(reference: str, root: Path) -> Defect | None:
    candidates = ["pyproject.toml", "setup.cfg", "setup.py", "requirements.txt"]
    for rel in candidates:
        text = _read(root, rel)
        if text is None:
            continue
        package = next((p for p in _NEW_PACKAGES if p not in text.lower()), None)
        if package is None:
            continue
        patch = _with_edit(reference, root, rel, functools.partial(_declare, rel, package=package))
        if patch:
            return Defect("dependency", patch, rel)
    return None


def _swallowed_exception(reference: str, root: Path) -> Defect | None:
    def change(text: str, node: ast.stmt) -> str | None:
        indent = _indent_of(text, node)
        unit = "\t" if indent.startswith("\t") else "    "
        lines = text.splitlines()
        start, end = node.lineno, node.end_lineno or node.lineno
        body = [unit + line if line.strip() else line for line in lines[start - 1 : end]]
        wrapped = [f"{indent}try:", *body, f"{indent}except Exception:", f"{indent}{unit}pass"]
        new = lines[: start - 1] + wrapped + lines[end:]
        result = "\n".join(new) + ("\n" if text.endswith("\n") else "")
        return result if _parses(result) else None

    return _at_anchor("swallowed_exception", reference, root, change)


_INJECTORS: dict[str, Callable[[str, Path], Defect | None]] = {
    "debug_print": _debug_print,
    "commented_code": _commented_code,
    "naming": _naming,
    "test_edit": _test_edit,
    "unrelated_file": _unrelated_file,
    "lint_error": _lint_error,
    "dependency": _dependency,
    "swallowed_exception": _swallowed_exception,
}
