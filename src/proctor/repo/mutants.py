"""Mutants of a reference change: plausible wrong fixes that a task's hidden tests should catch.

Each mutant is the reference's source patch with one small thing wrong, as a unified diff
against the base (the format ``git diff`` makes, applied like any model's patch):

- ``drop-hunk``: one hunk of the change left out (only when it has two or more: dropping the
  only one is the empty patch, which ``proctor validate`` already runs);
- ``negate-condition``: the test of an ``if``/``elif``/``while``, a conditional expression or
  an ``assert`` on lines the fix added, wrapped as ``not (...)``;
- ``return-early``: a bare ``return`` before the first statement the fix added to a function
  (none in a generator, where it would only end the iteration, and none before a ``return``);
- ``off-by-one``: on lines the fix added, a comparison ``<``/``<=``/``>``/``>=`` turned into
  its neighbour, or an integer literal used as a bound (a slice, ``range(...)``, a
  comparison) made one larger.

Only the Python files among those the patch changes are mutated (and their hunks dropped).
Edits are found with :mod:`ast` on the fixed text and made on the text itself; a mutant that
does not parse, or leaves the file as the fix has it, is dropped, as is one equal to an
earlier one. A file whose text after the fix the patch does not give exactly, or that does
not parse under the Python proctor runs on, gets no edits (its hunks can still be left out).
Order is fixed: kinds as above, then files as in the patch, then position; the first
``max_per_kind`` of each kind are kept.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from proctor.repo.hunks import (
    FileDiff,
    added_lines,
    parse_file_diff,
    rediff,
    text_after,
    without_hunk,
)
from proctor.repo.patch import file_sections

MUTANT_KINDS = ("drop-hunk", "negate-condition", "return-early", "off-by-one")
"""Every kind of mutant, in the order they are made."""

MAX_PER_KIND = 2
"""Mutants of each kind per task unless asked otherwise."""

_FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_OPERATOR = re.compile(r"<=|>=|<|>")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@dataclass(frozen=True)
class Mutant:
    """One wrong fix: its kind, what it changed (``path:line: ...``) and its patch."""

    kind: str
    description: str
    patch: str

    @property
    def label(self) -> str:
        """``KIND DESCRIPTION``, as reports name a mutant."""
        return f"{self.kind} {self.description}"


@dataclass(frozen=True)
class SourceFile:
    """A Python file the fix changes: its part of the patch, and its text after the fix,
    parsed, with the lines the fix added (numbered from 1)."""

    path: str
    diff: FileDiff
    base: str
    fixed: str
    tree: ast.Module
    added: frozenset[int]


@dataclass(frozen=True)
class _Edit:
    """Replace characters ``start:end`` of a fixed text with ``text``."""

    start: int
    end: int
    text: str
    line: int
    what: str


def _short(code: str, limit: int = 40) -> str:
    flat = " ".join(code.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class _Text:
    """A source text, addressed as :mod:`ast` does (line from 1, UTF-8 byte column)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, col: int) -> int:
        """Character offset of (line, byte column)."""
        raw = self.lines[line - 1].encode("utf-8")[:col]
        return self.starts[line - 1] + len(raw.decode("utf-8", "replace"))

    def span(self, node: ast.expr | ast.stmt) -> tuple[int, int]:
        """Character offsets of ``node``'s start and end."""
        end_line, end_col = node.end_lineno or node.lineno, node.end_col_offset or 0
        return self.offset(node.lineno, node.col_offset), self.offset(end_line, end_col)


def _touches(node: ast.expr | ast.stmt, added: frozenset[int]) -> bool:
    last = node.end_lineno or node.lineno
    return any(line in added for line in range(node.lineno, last + 1))


def negations(file: SourceFile, text: _Text) -> list[_Edit]:
    """``not (...)`` around each test of an if, elif, while, conditional expression or
    assert that lies on a line the fix added."""
    edits: list[_Edit] = []
    for node in ast.walk(file.tree):
        if not isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
            continue
        if _touches(node.test, file.added):
            start, end = text.span(node.test)
            code = file.fixed[start:end]
            what = f"`{_short(code)}` negated"
            edits.append(_Edit(start, end, f"not ({code})", node.test.lineno, what))
    return edits


def _own_nodes(func: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``func``'s body, not descending into nested functions, classes or lambdas."""
    for child in ast.iter_child_nodes(func):
        yield child
        if not isinstance(child, _SCOPES):
            yield from _own_nodes(child)


def _is_generator(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in _own_nodes(func))


def _first_added(
    func: ast.FunctionDef | ast.AsyncFunctionDef, added: frozenset[int]
) -> ast.stmt | None:
    """The first statement of ``func`` (at any depth, outside nested scopes) that starts on
    an added line."""
    statements = (n for n in _own_nodes(func) if isinstance(n, ast.stmt))
    return next((s for s in statements if _first_line(s) in added), None)


def _first_line(stmt: ast.stmt) -> int:
    """Where ``stmt`` starts, its decorators included."""
    decorators: list[ast.expr] = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def early_returns(file: SourceFile, text: _Text) -> list[_Edit]:
    """A bare ``return`` before the first added statement of each function (not a generator,
    not before a return, a docstring, or a statement sharing its line with code before it)."""
    edits: list[_Edit] = []
    for func in ast.walk(file.tree):
        if not isinstance(func, _FUNCTIONS) or _is_generator(func):
            continue
        stmt = _first_added(func, file.added)
        if stmt is None or isinstance(stmt, ast.Return) or _is_docstring(stmt):
            continue
        line = _first_line(stmt)
        source = text.lines[line - 1]
        indent = source[: len(source) - len(source.lstrip())]
        before = source.encode("utf-8")[: stmt.col_offset] if line == stmt.lineno else b""
        if before.strip() or source.lstrip().startswith("elif"):
            continue  # `x; y` or an elif branch: no line of its own to go before
        at = text.starts[line - 1]
        what = f"`return` before `{_short(source)}` in {func.name}()"
        edits.append(_Edit(at, at, f"{indent}return\n", line, what))
    return edits


def _bound_literals(tree: ast.Module) -> Iterator[tuple[ast.Constant, int]]:
    """Integer literals used as bounds: in a slice, in range(...), or compared."""
    for node in ast.walk(tree):
        operands: list[ast.expr | None] = []
        if isinstance(node, ast.Slice):
            operands = [node.lower, node.upper]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            operands = list(node.args) if node.func.id == "range" else []
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        for operand in operands:
            if isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.USub):
                operand = operand.operand
            if isinstance(operand, ast.Constant) and type(operand.value) is int:
                yield operand, operand.value


def off_by_ones(file: SourceFile, text: _Text) -> list[_Edit]:
    """On added lines: each order comparison turned into its neighbour (``<`` and ``<=``,
    ``>`` and ``>=``), and each integer bound made one larger."""
    edits: list[_Edit] = []
    for node in ast.walk(file.tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
            if not isinstance(op, _ORDER_OPS):
                continue
            gap_start, gap_end = text.span(left)[1], text.span(right)[0]
            gap = file.fixed[gap_start:gap_end]
            match = _OPERATOR.search(gap)
            if match is None or "#" in gap[: match.start()]:
                continue
            start = gap_start + match.start()
            line = file.fixed.count("\n", 0, start) + 1
            if line in file.added:
                was, now = match.group(), _FLIP[match.group()]
                what = f"`{was}` -> `{now}` in `{_short(text.lines[line - 1])}`"
                edits.append(_Edit(start, start + len(was), now, line, what))
    for literal, value in _bound_literals(file.tree):
        if literal.lineno in file.added:
            start, end = text.span(literal)
            now = str(value + 1)
            where = _short(text.lines[literal.lineno - 1])
            what = f"`{file.fixed[start:end]}` -> `{now}` in `{where}`"
            edits.append(_Edit(start, end, now, literal.lineno, what))
    return edits


_FINDERS: dict[str, Callable[[SourceFile, _Text], list[_Edit]]] = {
    "negate-condition": negations,
    "return-early": early_returns,
    "off-by-one": off_by_ones,
}


def source_files(source_patch: str, base_text: Callable[[str], str | None]) -> list[SourceFile]:
    """The Python files ``source_patch`` changes that can be mutated: kept, or added, with a
    text after the fix that the patch gives exactly and that parses.

    ``base_text`` gives a file's text at the base (``None`` where the base lacks it).
    """
    found: list[SourceFile] = []
    for paths, section in file_sections(source_patch):
        path = paths[-1]
        if len(paths) != 1 or not path.endswith(".py"):
            continue
        diff = parse_file_diff(section)
        if "deleted file mode" in diff.head:
            continue
        base = base_text(path) or ""
        fixed = text_after(base, diff)
        if fixed is None or "\r" in fixed.replace("\r\n", ""):
            continue  # a lone "\r" ends a line for ast but not for the diff
        try:
            tree = ast.parse(fixed)
        except (SyntaxError, ValueError):
            continue
        found.append(SourceFile(path, diff, base, fixed, tree, added_lines(diff)))
    return found


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _edited(source_patch: str, file: SourceFile, edit: _Edit) -> str | None:
    """``source_patch`` with ``file`` made as ``edit`` leaves it; ``None`` when the result
    does not parse or is the fix itself."""
    text = file.fixed[: edit.start] + edit.text + file.fixed[edit.end :]
    if text == file.fixed or not _parses(text):
        return None
    parts = []
    for paths, section in file_sections(source_patch):
        parts.append(rediff(file.diff.head, file.base, text) if paths == [file.path] else section)
    return "".join(parts)


def dropped_hunks(source_patch: str, base_text: Callable[[str], str | None]) -> Iterator[Mutant]:
    """The patch without each of its Python hunks in turn, when it has two or more (none
    whose file, made from its base, would not parse)."""
    sections = file_sections(source_patch)
    python = [
        (i, parse_file_diff(text))
        for i, (paths, text) in enumerate(sections)
        if any(p.endswith(".py") for p in paths)
    ]
    if sum(len(diff.hunks) for _, diff in python) < 2:
        return
    for index, diff in python:
        path = sections[index][0][-1]
        for number, hunk in enumerate(diff.hunks):
            parts = [text for _, text in sections]
            parts[index] = without_hunk(diff, number)
            if parts[index]:
                made = text_after(base_text(path) or "", parse_file_diff(parts[index]))
                if made is not None and not _parses(made):
                    continue
            what = f"hunk {number + 1} of {len(diff.hunks)} left out"
            yield Mutant("drop-hunk", f"{path}:{hunk.first_changed}: {what}", "".join(parts))


def edited_mutants(source_patch: str, files: list[SourceFile], kind: str) -> Iterator[Mutant]:
    """The mutants of one ``kind`` made by editing ``files`` (see :data:`MUTANT_KINDS`)."""
    for file in files:
        text = _Text(file.fixed)
        for edit in sorted(_FINDERS[kind](file, text), key=lambda e: (e.start, e.end)):
            patch = _edited(source_patch, file, edit)
            if patch is not None:
                yield Mutant(kind, f"{file.path}:{edit.line}: {edit.what}", patch)


def build_mutants(
    source_patch: str,
    base_text: Callable[[str], str | None],
    max_per_kind: int = MAX_PER_KIND,
) -> list[Mutant]:
    """Up to ``max_per_kind`` mutants of each kind of the reference's ``source_patch``.

    Args:
        source_patch: the reference change without its tests (a unified diff against base).
        base_text: a file's text at the base, ``None`` where the base has no such file.
        max_per_kind: the most mutants of one kind (0: none at all).
    """
    files = source_files(source_patch, base_text)
    seen = {source_patch}
    out: list[Mutant] = []
    for kind in MUTANT_KINDS:
        found = (
            dropped_hunks(source_patch, base_text)
            if kind == "drop-hunk"
            else edited_mutants(source_patch, files, kind)
        )
        count = 0
        for mutant in found:
            if count >= max_per_kind:
                break
            if mutant.patch not in seen:
                seen.add(mutant.patch)
                out.append(mutant)
                count += 1
    return out
