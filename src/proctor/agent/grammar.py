"""Grammar-constrained decoding of ``function``-format answers (GBNF, as llama.cpp takes it).

A small model often answers around the format: prose, a bare ``CONFIDENCE`` line, a function
that is not in the repository. Where the endpoint takes a grammar (llama.cpp's server:
``ModelSpec.takes_grammar``), the one-shot agent sends one with each first-round request, built
from what the model is shown, so that the answer has the format's shape:

* either ``CANNOT FIX: <reason>``,
* or one to three blocks, each: a path line that is one of the files shown, a ```python fence,
  a first line that opens one of the functions whose ``def`` line is shown for that file
  (``def name(``; a method whose name is not unique in its file as ``class Owner:`` with the
  method under it), free code lines, the closing fence; then ``CONFIDENCE: <number>``.

This constrains the form only (the code itself is free), like the structured outputs of an
API; whether the function is right is still for the tests to say. The grammar sent is kept in
the request record (``calls.jsonl``) and in the conversation's step log.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path

from proctor.agent.edits import safe_path
from proctor.agent.errors import UnsafePath
from proctor.retrieval import Context

MAX_BLOCKS = 3
"""Most functions one constrained answer may write."""

_Def = (ast.FunctionDef, ast.AsyncFunctionDef)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def gbnf_literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def function_headers(source: str, shown: Sequence[tuple[int, int]]) -> list[str]:
    """The first lines an answer may open a function of ``source`` with: every top-level
    function and method of a top-level class whose ``def`` line lies in a ``shown`` line range
    (1-based, inclusive), as ``def name(`` (``async def`` kept); a method whose name is also a
    function or another class's method of the file, as ``class Owner:\\n    def name(``.
    In file order, without repeats; ``[]`` when ``source`` does not parse.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[tuple[str | None, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, _Def):
            found.append((None, node))
        elif isinstance(node, ast.ClassDef):
            found += [(node.name, n) for n in node.body if isinstance(n, _Def)]
    names = [fn.name for _, fn in found]
    headers: list[str] = []
    for owner, fn in found:
        if not any(start <= fn.lineno <= end for start, end in shown):
            continue
        opening = f"{'async ' if isinstance(fn, ast.AsyncFunctionDef) else ''}def {fn.name}("
        if owner is not None and names.count(fn.name) > 1:
            opening = f"class {owner}:\n    {opening}"
        if opening not in headers:
            headers.append(opening)
    return headers


def shown_functions(context: Context, checkout: Path) -> dict[str, list[str]]:
    """Path -> :func:`function_headers` of every file the context shows code of (the repo map
    is an outline, not code: left out), in the order the files are first shown; files with no
    function shown are left out."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for chunk in context.chunks:
        if chunk.kind != "map":
            ranges.setdefault(chunk.path, []).append((chunk.start_line, chunk.end_line))
    found: dict[str, list[str]] = {}
    for path, shown in ranges.items():
        try:
            target = safe_path(checkout, path)
        except UnsafePath:
            continue
        if not target.is_file():
            continue
        headers = function_headers(target.read_text(encoding="utf-8", errors="replace"), shown)
        if headers:
            found[path] = headers
    return found


def function_grammar(functions: Mapping[str, Sequence[str]]) -> str | None:
    """The GBNF grammar of a ``function``-format answer that may change ``functions`` (path ->
    allowed first lines, as :func:`shown_functions` gives them); None when there are none (the
    answer is then left unconstrained)."""
    files = [(path, list(heads)) for path, heads in functions.items() if heads]
    if not files:
        return None
    rules = [
        "root ::= cannot | edits",
        'cannot ::= "CANNOT FIX: " [^\\n]+',
        f'edits ::= block ("\\n"? block){{0,{MAX_BLOCKS - 1}}} "\\n"? "CONFIDENCE: " number',
        "block ::= " + " | ".join(f"file{i}" for i in range(len(files))),
    ]
    for i, (path, heads) in enumerate(files):
        opening = gbnf_literal(f"{path}\n```python\n")
        starts = " | ".join(gbnf_literal(h) for h in heads)
        rules.append(f'file{i} ::= {opening} ({starts}) code "```\\n"')
    rules += [
        'code ::= [^\\n]* "\\n" line*',
        'line ::= [^`\\n] [^\\n]* "\\n" | "\\n"',
        'number ::= "0" ("." [0-9] [0-9]?)? | "1" (".0")?',
    ]
    return "\n".join(rules) + "\n"
