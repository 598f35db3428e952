"""The ``function`` edit format: the answer rewrites whole functions, spliced in by name.

An answer gives, for each function it changes, the file's path on its own line and the complete
new function in one fenced block (a method may come inside its ``class`` line). Each function
is found by name in that file (or, when the path is missing or wrong, in the one file of the
checkout that defines it) and replaced with :func:`~proctor.agent.splice.splice_function`;
the result is an :class:`~proctor.agent.edits.EditBlock` from the old file to the new one, so
it applies like any other edit. This is how small models write code best (a whole function,
as on HumanEval), so it is the default of the local models.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from proctor.agent.edits import EditBlock, path_before, safe_path
from proctor.agent.errors import MalformedAnswer, UnsafePath
from proctor.agent.splice import SpliceError, splice_function

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_Def = (ast.FunctionDef, ast.AsyncFunctionDef)
_PATH_COMMENT = re.compile(r"^\s*#\s*(?:file:\s*)?([\w./-]+\.py):?\s*$", re.IGNORECASE)
"""A first line of code naming its file: ``# src/pkg/mod.py``."""


def fenced_blocks(text: str) -> list[tuple[str | None, list[str], str | None, int]]:
    """(path named before it or None, its lines, its fence if it was left open else None, the
    1-based line it opens on) of every fenced block of ``text``; an open one runs to the end."""
    lines = text.replace("\r\n", "\n").split("\n")
    found: list[tuple[str | None, list[str], str | None, int]] = []
    start = i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        path = path_before([*lines[start:i], lines[i]])
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip() == fence.group(1)), None
        )
        stop = len(lines) if end is None else end
        found.append((path, lines[i + 1 : stop], None if end else fence.group(1), i + 1))
        start = i = stop + 1
    return found


def code_blocks(text: str) -> list[tuple[str | None, str]]:
    """(path named before it or None, code) of every fenced block of ``text``; an answer cut
    off keeps what it wrote."""
    return [s for path, body, _, _ in fenced_blocks(text) for s in _sections(path, body)]


def _sections(path: str | None, body: list[str]) -> list[tuple[str | None, str]]:
    """A block's code split at ``# path.py`` comment lines, each part under its path."""
    parts: list[tuple[str | None, list[str]]] = [(path, [])]
    for line in body:
        named = _PATH_COMMENT.match(line)
        if named and not line.startswith((" ", "\t")):
            parts.append((named.group(1), []))
        else:
            parts[-1][1].append(line)
    return [(where, "\n".join(code) + "\n") for where, code in parts if "".join(code).strip()]


def defined(code: str) -> list[str]:
    """Qualified names of the functions ``code`` defines at top level or in a top-level class."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, _Def):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names += [f"{node.name}.{n.name}" for n in node.body if isinstance(n, _Def)]
    return names


def _functions(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = {n.name for n in tree.body if isinstance(n, _Def)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found |= {f"{node.name}.{n.name}" for n in node.body if isinstance(n, _Def)}
    return found


def _resolve(wanted: str, have: set[str]) -> str | None:
    """``wanted`` as a function of the file: itself, or the one method of that bare name."""
    if wanted in have:
        return wanted
    bare = wanted.rsplit(".", 1)[-1]
    matches = [q for q in have if q.rsplit(".", 1)[-1] == bare]
    return matches[0] if len(matches) == 1 else None


def _read(checkout: Path, rel: str) -> str | None:
    try:
        target = safe_path(checkout, rel)
    except UnsafePath:
        return None
    if not target.is_file():
        return None
    return target.read_bytes().decode("utf-8", errors="replace")


def _home(checkout: Path, name: str) -> str | None:
    """The one Python file of ``checkout`` that defines ``name`` (``f`` or ``Class.f``: a
    file defining both the class and the function), or None."""
    *owner, bare = name.split(".")
    patterns = [re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(bare)}\s*\(", re.MULTILINE)]
    patterns += [re.compile(rf"^\s*class\s+{re.escape(c)}\b", re.MULTILINE) for c in owner]
    hits = [
        p.relative_to(checkout).as_posix()
        for p in sorted(checkout.rglob("*.py"))
        if ".git" not in p.parts
        and all(pat.search(p.read_text(errors="replace")) for pat in patterns)
    ]
    return hits[0] if len(hits) == 1 else None


def parse_functions(text: str, checkout: Path) -> list[EditBlock]:
    """One block per file, from its text now to the text with every new function spliced in.

    Raises:
        MalformedAnswer: no fenced block defines a function of the checkout.
    """
    files: dict[str, tuple[str, str]] = {}  # path -> (old text, new text)
    missing: list[str] = []
    for path, code in code_blocks(text):
        for wanted in defined(code):
            rel = path if path is not None and _read(checkout, path) is not None else None
            if rel is None or _resolve(wanted, _functions(_read(checkout, rel) or "")) is None:
                rel = _home(checkout, wanted) or rel
            old = _read(checkout, rel) if rel is not None else None
            qual = _resolve(wanted, _functions(old)) if old is not None else None
            if rel is None or old is None or qual is None:
                missing.append(wanted)
                continue
            before, now = files.get(rel, (old, old))
            try:
                files[rel] = (before, splice_function(now, qual, code))
            except SpliceError:
                missing.append(wanted)
    if not files:
        named = f" ({', '.join(missing)} not found in the repository)" if missing else ""
        raise MalformedAnswer(
            "no function found: write the file's path, then the whole changed function in ```"
            + named
        )
    return [EditBlock(rel, old, new) for rel, (old, new) in files.items()]
