"""Grammar-constrained decoding of ``function``-format answers (GBNF, as llama.cpp takes it).

A small model often answers around the format: prose, a bare ``CONFIDENCE`` line, a function
that is not in the repository. Where the endpoint takes a grammar (llama.cpp's server:
``ModelSpec.takes_grammar``), the one-shot agent sends one with each first-round request, built
from what the model is shown, so that the answer has the format's shape:

* either ``CANNOT FIX: <reason>``,
* or one to three blocks, each: a path line that is one of the files shown and a ```python
  fence, or the fence and the path as a ``# path.py`` comment (the way small models like to
  open a block); then a first line that opens one of the functions whose ``def`` line is shown
  for that file (``def name(``, or for a method ``class Owner:`` with ``def name(`` under it;
  a method whose name is not unique in its file only so), free code lines, the closing fence;
  then ``CONFIDENCE: <number>``.
* The ``def`` line has no comment (a 0.5B model folds a multi-line signature onto it, after
  its ``# pylint: ...`` comment), and goes on after ``def name(`` as Python does: with a
  parameter, ``*``, ``)`` or a line break. A line that ends with ``:`` is followed, after any
  comments and blank lines, by a statement: a body of comments alone does not parse.
* That statement may not start with a quote: no docstrings. A function
  written without one keeps its own (:func:`~proctor.agent.splice.splice_function`), and a
  0.5B model that copies a long docstring runs out of answer before it reaches the code (4 of
  33 answers, cut off at 512 tokens). A string that opens such a line is the one thing lost
  (``x = {`` then ``"key": 1`` is fine: the ``{`` line does not end with ``:``).

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

MAX_LINE = 300
"""Most characters of the reason of a ``CANNOT FIX`` line and of a ``CHANGE`` line."""

PLAN = "CHANGE: "
"""Opens the line that says what an answer changes, before its code, where the grammar asks
for one (the retry of an answer that changed nothing: a small model that copied a function
unchanged copies it again unless it first says what to change)."""

_Def = (ast.FunctionDef, ast.AsyncFunctionDef)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def gbnf_literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def function_headers(source: str, shown: Sequence[tuple[int, int]]) -> list[str]:
    """The first lines an answer may open a function of ``source`` with: every top-level
    function and method of a top-level class whose ``def`` line lies in a ``shown`` line range
    (1-based, inclusive), as ``def name(`` (``async def`` kept); a method also inside its class,
    as ``class Owner:\\n    def name(``, and only so when its name is also a function or another
    class's method of the file. In file order, without repeats; ``[]`` when ``source`` does not
    parse.
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
        openings = [opening]
        if owner is not None:
            inside = f"class {owner}:\n    {opening}"
            openings = [inside] if names.count(fn.name) > 1 else [inside, opening]
        headers += [o for o in openings if o not in headers]
    return headers


def _opening(header: str) -> str:
    """A header as GBNF: ``class Owner:`` may name its bases as the file does."""
    if not header.startswith("class "):
        return gbnf_literal(header)
    owner, rest = header.split(":", 1)
    return f"{gbnf_literal(owner)} bases? {gbnf_literal(':' + rest)}"


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


def function_grammar(functions: Mapping[str, Sequence[str]], *, plan: bool = False) -> str | None:
    """The GBNF grammar of a ``function``-format answer that may change ``functions`` (path ->
    allowed first lines, as :func:`shown_functions` gives them); None when there are none (the
    answer is then left unconstrained). With ``plan``, the edits open with a line
    ``CHANGE: <what changes>`` (:data:`PLAN`)."""
    files = [(path, list(heads)) for path, heads in functions.items() if heads]
    if not files:
        return None
    rules = [
        "root ::= cannot | plan (cannot | edits)" if plan else "root ::= cannot | edits",
        # one line each, bounded: left free, a 0.5B model goes on until the answer's cap
        f'cannot ::= "CANNOT FIX: " [^\\n]{{1,{MAX_LINE}}}',
        f'edits ::= block ("\\n"? block){{0,{MAX_BLOCKS - 1}}} "\\n"? "CONFIDENCE: " number',
        "block ::= " + " | ".join(f"file{i}" for i in range(len(files))),
    ]
    for i, (path, heads) in enumerate(files):
        named = f"{gbnf_literal(f'{path}{chr(10)}```python{chr(10)}')}"
        commented = f'"```python\\n# " {gbnf_literal(path)} ":"? "\\n"'
        starts = " | ".join(_opening(h) for h in heads)
        rules.append(f'file{i} ::= ({named} | {commented}) ({starts}) params "```\\n"')
    if plan:  # in words: a 0.5B model otherwise names the chunk's line numbers, not a change
        rules.append(f'plan ::= {gbnf_literal(PLAN)} [^\\n0-9] [^\\n]{{0,{MAX_LINE}}} "\\n"')
    rules += [
        'bases ::= "(" [^)\\n]* ")"',
        # after `def name(`: a parameter, `*`, `)` or a line break, as Python has it (the
        # 0.5B model wrote the chunk title `90-190 (function f)` as the parameters)
        'params ::= [A-Za-z_*)] code | "\\n" next',
        # the rest of a line: one ending with ':' (a def, if, for...) leads to state `after`,
        # any other to state `next`; the def line itself (`code`) has no comment
        'code ::= [^\\n#]* ":" [ \\t]* "\\n" after | ([^\\n#]* [^:\\n \\t#])? [ \\t]* "\\n" next',
        'rest ::= [^\\n]* ":" [ \\t]* "\\n" after | ([^\\n]* [^:\\n \\t])? [ \\t]* "\\n" next',
        'next ::= ([^`\\n] rest | "\\n" next)?',
        # after a ':' line: comments and blank lines, then a statement that opens with no
        # quote (no docstring); the block cannot end there (a body of comments does not parse)
        'after ::= [ \\t]* [^ \\t\\n`"\'#] rest | [ \\t]* "#" [^\\n]* "\\n" after '
        '| [ \\t]* "\\n" after',
        'number ::= "0" ("." [0-9] [0-9]?)? | "1" (".0")?',
    ]
    return "\n".join(rules) + "\n"
