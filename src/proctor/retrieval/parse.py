"""Python files as definitions, references and chunks, each file parsed once with tree-sitter.

A file becomes chunks a model can be shown:

* ``function``: a function or method with its decorators, named by its qualified name
  (``Cache.get``); functions nested in a function stay inside it;
* ``class``: the class header, its docstring, class-level statements and the signatures of
  its methods (bodies elided), spanning the class's whole line range;
* ``module``: runs of top-level statements that are not definitions and not only imports,
  split into windows of at most :data:`MODULE_WINDOW` lines.

Every line of a file belongs to at most one chunk as its *owner*: the smallest chunk whose
range holds it (:func:`owner`), which is how a changed line maps to a definition.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import keyword
import os
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_python
from tree_sitter import Language, Node, Parser

from proctor.retrieval.base import Chunk

MAX_FILE_BYTES = 1_000_000
"""Files larger than this are not indexed."""
MODULE_WINDOW = 60
"""Most lines in one ``module`` chunk."""
SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "venv", "vendor", "vendored", "_vendor"}
    | {"third_party", "htmlcov"}
)
"""Folder names never descended into (besides hidden folders and virtual environments)."""
ROOT_SKIP_DIRS = frozenset({"build", "dist"})
"""Build outputs, skipped only at the top of the repository."""

_DEFS = frozenset({"function_definition", "class_definition", "decorated_definition"})
_TRIVIAL = frozenset({"import_statement", "import_from_statement", "future_import_statement"})
_PATTERNS = frozenset({"pattern_list", "tuple_pattern", "list_pattern"})
# References are counted on the raw text rather than on the tree's identifier nodes: three
# times faster, and a name in a comment or docstring refers to code as much as a call does.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset([*keyword.kwlist, *keyword.softkwlist, "self", "cls"])


@dataclass(frozen=True)
class Definition:
    """A name a file defines."""

    name: str
    """Qualified name: ``Cache.get``, ``Cache``, ``SQL_REGEX``."""
    kind: str
    """``function``, ``class`` or ``variable``."""
    start_line: int
    end_line: int
    signature: str
    """The ``def``/``class`` header up to its colon, or an assignment's first line."""
    docstring: str = ""

    @property
    def short_name(self) -> str:
        """The last component of the qualified name."""
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ParsedFile:
    """One Python file: its text, what it defines, what it names, and its chunks."""

    path: str
    """Relative to the repository root, POSIX separators."""
    text: str
    definitions: tuple[Definition, ...]
    chunks: tuple[Chunk, ...]
    """In line order (an enclosing class before its methods)."""
    references: tuple[Mapping[str, int], ...]
    """Per chunk: identifier to how often the chunk's text uses it (comments and strings
    included, Python keywords left out)."""
    holders: tuple[int, ...]
    """Per definition: the index of the chunk holding it (its owner), -1 for none."""

    @property
    def line_count(self) -> int:
        """Number of lines."""
        return self.text.count("\n") + (0 if self.text.endswith("\n") else 1)


@functools.cache
def _language() -> Language:
    return Language(tree_sitter_python.language())


def _string_value(raw: str) -> str:
    """The content of a string literal's source text, dedented like a docstring."""
    body = raw.lstrip("rRuUbBfF")
    for quote in ('"""', "'''", '"', "'"):
        if len(body) >= 2 * len(quote) and body.startswith(quote) and body.endswith(quote):
            return inspect.cleandoc(body[len(quote) : -len(quote)])
    return body


def _statements(block: Node | None) -> list[Node]:
    """The named children of ``block`` that are not comments."""
    if block is None:
        return []
    return [c for c in block.named_children if c.type != "comment"]


def _docstring(block: Node | None) -> str:
    first = next(iter(_statements(block)), None)
    if first is None or first.type != "expression_statement" or first.named_child_count != 1:
        return ""
    value = first.named_children[0]
    return _string_value(_text(value)) if value.type == "string" else ""


def _is_docstring(node: Node) -> bool:
    return (
        node.type == "expression_statement"
        and node.named_child_count == 1
        and node.named_children[0].type == "string"
    )


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _assigned(statement: Node) -> list[str]:
    """Plain names an assignment statement binds (``a = b = 1``, ``x, y = ...``)."""
    if statement.type != "expression_statement":
        return []
    names: list[str] = []
    node = statement.named_children[0] if statement.named_child_count else None
    while node is not None and node.type == "assignment":
        left = node.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            names.append(_text(left))
        elif left is not None and left.type in _PATTERNS:
            names.extend(_text(c) for c in left.named_children if c.type == "identifier")
        node = node.child_by_field_name("right")
    return names


@dataclass
class _Builder:
    """Collects the definitions and chunks of one file while walking its tree."""

    path: str
    source: bytes
    lines: list[str]
    definitions: list[Definition] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)

    def span(self, start: int, end: int) -> str:
        """Lines ``start``..``end`` (1-based, inclusive) joined."""
        return "\n".join(self.lines[start - 1 : end])

    def header(self, inner: Node) -> tuple[str, int]:
        """(signature of ``inner`` up to its colon, the 1-based line of that colon)."""
        colon = [c for c in inner.children if c.type == ":"]
        end = colon[-1] if colon else inner
        sig = self.source[inner.start_byte : end.end_byte].decode("utf-8", "replace")
        return sig, end.end_point.row + 1

    def definition(self, node: Node, prefix: str) -> str:
        """Record a (possibly decorated) function or class; return its summary for a class."""
        inner = (
            node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        )
        if inner is None or inner.type not in {"function_definition", "class_definition"}:
            return ""
        name_node = inner.child_by_field_name("name")
        qual = prefix + (_text(name_node) if name_node is not None else "?")
        start, end = node.start_point.row + 1, node.end_point.row + 1
        body = inner.child_by_field_name("body")
        sig, sig_end = self.header(inner)
        kind = "class" if inner.type == "class_definition" else "function"
        self.definitions.append(Definition(qual, kind, start, end, sig, _docstring(body)))
        indent = " " * (inner.start_point.column + 4)
        outline = f"{self.span(start, sig_end)}\n{indent}..."
        if kind == "function":
            self.chunks.append(Chunk(self.path, start, end, self.span(start, end), kind, qual))
            return outline
        parts = [self.span(start, sig_end)]
        for child in _statements(body):
            if child.type in _DEFS:
                parts.append(self.definition(child, qual + "."))
                continue
            lo, hi = child.start_point.row + 1, child.end_point.row + 1
            parts.append(self.span(lo, hi))
            for var in _assigned(child):
                self.definitions.append(
                    Definition(f"{qual}.{var}", "variable", lo, hi, self.lines[lo - 1].strip())
                )
        self.chunks.append(Chunk(self.path, start, end, "\n".join(parts), "class", qual))
        return outline

    def module_run(self, run: Sequence[Node], docstring: Node | None) -> None:
        """Record the variables of a run of top-level statements and chunk it in windows."""
        for statement in run:
            lo, hi = statement.start_point.row + 1, statement.end_point.row + 1
            for var in _assigned(statement):
                self.definitions.append(
                    Definition(var, "variable", lo, hi, self.lines[lo - 1].strip())
                )
        for window in _windows(run):
            if all(s.type in _TRIVIAL or s.type == "comment" or s == docstring for s in window):
                continue
            start, end = window[0].start_point.row + 1, window[-1].end_point.row + 1
            names = [v for s in window for v in _assigned(s)]
            name = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            for lo in range(start, end + 1, MODULE_WINDOW):
                hi = min(end, lo + MODULE_WINDOW - 1)
                self.chunks.append(Chunk(self.path, lo, hi, self.span(lo, hi), "module", name))


def _windows(run: Sequence[Node]) -> Iterable[list[Node]]:
    """Consecutive statements grouped so that each group spans at most MODULE_WINDOW lines."""
    group: list[Node] = []
    for statement in run:
        if group and statement.end_point.row - group[0].start_point.row >= MODULE_WINDOW:
            yield group
            group = []
        group.append(statement)
    if group:
        yield group


def parse_source(path: str, source: bytes) -> ParsedFile:
    """Parse one Python file's bytes (invalid UTF-8 is replaced; syntax errors are tolerated).

    Args:
        path: the file's path relative to the repository root, used in its chunks.
        source: the file's content.
    """
    tree = Parser(_language()).parse(source)
    text = source.decode("utf-8", "replace")
    builder = _Builder(path, source, text.split("\n"))
    top = tree.root_node.named_children
    docstring = top[0] if top and _is_docstring(top[0]) else None
    run: list[Node] = []
    for node in top:
        if node.type in _DEFS:
            builder.module_run(run, docstring)
            run = []
            builder.definition(node, "")
        else:
            run.append(node)
    builder.module_run(run, docstring)
    chunks = tuple(sorted(builder.chunks, key=lambda c: (c.start_line, -c.end_line)))
    references = tuple(_references(c.text) for c in chunks)
    starts = [c.start_line for c in chunks]
    holders = tuple(_holder(chunks, starts, d.start_line) for d in builder.definitions)
    return ParsedFile(path, text, tuple(builder.definitions), chunks, references, holders)


def _references(text: str) -> dict[str, int]:
    counts = Counter(_IDENTIFIER.findall(text))
    for word in _KEYWORDS.intersection(counts):
        del counts[word]
    return dict(counts)


def _holder(chunks: Sequence[Chunk], starts: Sequence[int], line: int) -> int:
    """Index of the smallest chunk holding ``line``, -1 for none (chunks nest, line order)."""
    index = bisect.bisect_right(starts, line) - 1
    while index >= 0 and chunks[index].end_line < line:
        index -= 1
    return index


def owner(chunks: Iterable[Chunk], line: int) -> Chunk | None:
    """The smallest chunk whose line range holds ``line`` (a method before its class)."""
    holding = [c for c in chunks if c.start_line <= line <= c.end_line]
    return min(holding, key=lambda c: (c.end_line - c.start_line, c.start_line), default=None)


def _skip_dir(parent: str, name: str, at_root: bool) -> bool:
    if name.startswith(".") or name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    if at_root and name in ROOT_SKIP_DIRS:
        return True
    return os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))


def python_files(root: Path) -> list[str]:
    """Python files under ``root`` worth indexing, relative POSIX paths, sorted.

    Hidden folders, virtual environments, vendored and build folders, symbolic links and
    files over :data:`MAX_FILE_BYTES` are left out.
    """
    found: list[str] = []
    top = str(root)
    for parent, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not _skip_dir(parent, d, parent == top))
        for name in files:
            full = os.path.join(parent, name)
            if not name.endswith(".py") or os.path.islink(full):
                continue
            if os.path.getsize(full) <= MAX_FILE_BYTES:
                found.append(os.path.relpath(full, top).replace(os.sep, "/"))
    return sorted(found)


class ParseCache:
    """Parsed files by (path, mtime, size), least recently used dropped first; thread-safe."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, str, int, int], ParsedFile | None] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, root: Path, rel: str) -> ParsedFile | None:
        """``root/rel`` parsed, or ``None`` when it is binary or cannot be read."""
        full = root / rel
        try:
            stat = full.stat()
        except OSError:
            return None
        key = (str(full), rel, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        try:
            data = full.read_bytes()
        except OSError:
            return None
        parsed = None if b"\0" in data else parse_source(rel, data)
        with self._lock:
            self._items[key] = parsed
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return parsed


_DEFAULT_CACHE = ParseCache()


def parse_repo(root: Path, cache: ParseCache | None = None) -> tuple[ParsedFile, ...]:
    """Every indexable Python file under ``root``, parsed (through ``cache``), path order."""
    chosen = cache if cache is not None else _DEFAULT_CACHE
    parsed = (chosen.parse(root, rel) for rel in python_files(root))
    return tuple(p for p in parsed if p is not None)
