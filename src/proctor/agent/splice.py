"""Put a function written in isolation back into its file (pure).

:func:`splice_function` replaces the definition of ``name`` or ``Class.name`` in a module's
source by the model's definition of it, and brings along what the model wrote around it:

* the function keeps the original's decorators unless the new code has decorators of its
  own, and the original's docstring unless the new code has one of its own (a small model
  copying a long docstring runs out of answer before the code; the format lets it leave the
  docstring out), and is re-indented to the original's indentation (lines inside multi-line
  strings are left as written);
* module-level imports are added after the module's last top-level import that precedes
  the function (else after its docstring, else at the top); ``from __future__`` imports
  are dropped, since they may only open a file;
* helpers (functions, classes, assignments) go to module level right *before* the spliced
  function, or before the class that holds a spliced method. Before rather than after, so
  that whatever the function's decorators, default values or annotations use when it is
  defined already exists; at module level rather than inside the class, because the model
  wrote them as module-level names and calls them by bare name;
* an import or helper binding a name the module already binds at top level is left out:
  the module's own definition wins, so a splice never changes code other than the
  function asked for;
* when the new code wraps a method in its class, the other methods it defines there that
  the original class lacks are added right after the spliced method;
* other top-level statements of the new code (demo calls, prints) are dropped.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

from proctor.errors import ProctorError

__all__ = ["SpliceError", "splice_function"]

_Def = ast.FunctionDef | ast.AsyncFunctionDef
_HELPERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


class SpliceError(ProctorError):
    """The function cannot be spliced: not in the file, or not defined by the new code."""


def splice_function(source: str, qualname: str, new_code: str) -> str:
    """``source`` with the definition of ``qualname`` replaced by the one in ``new_code``.

    Args:
        source: the module's text.
        qualname: ``name`` or ``Class.name`` (nested classes: ``Outer.Inner.name``).
        new_code: code that defines the function at top level (or inside a class of the
            same name), with any imports and helpers it needs.

    Raises:
        SpliceError: ``source`` does not parse or has no such function; ``new_code`` does
            not parse or does not define the function.
    """
    tree = _parse(source, "the file")
    path = qualname.split(".")
    target, outer = _find(tree, path)
    if target is None:
        raise SpliceError(f"no function {qualname!r} in the file")
    code = textwrap.dedent(new_code.replace("\r\n", "\n"))
    new_tree = _parse(code, "the new code")
    new_fn = _new_definition(new_tree, path)
    if new_fn is None:
        raise SpliceError(f"the new code does not define {path[-1]!r}")
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    code_lines = code.splitlines(keepends=True)
    bound = _module_names(tree)
    imports = [n for n in new_tree.body if _wanted_import(n, bound)]
    helpers = [
        n
        for n in new_tree.body
        if isinstance(n, _HELPERS) and not (_binds(n) & (bound | {path[-1]}))
    ]
    anchor = _start(outer if outer is not None else target)
    start, end = _start(target), target.end_lineno or target.lineno
    indent = lines[target.lineno - 1][: target.col_offset]
    function = _function_text(code, code_lines, new_fn, lines, target, indent)
    siblings = _siblings(new_tree, path, tree)
    if siblings:
        texts = [_node_text(code, code_lines, n, indent) for n in siblings]
        function += "".join(f"\n{text}\n" for text in texts)
    lines[start - 1 : end] = [function]
    if helpers:
        text = "\n\n\n".join(_node_text(code, code_lines, n, "") for n in helpers)
        lines.insert(anchor - 1, text + "\n\n\n")
    if imports:
        at, pad = _import_point(tree, anchor)
        lines.insert(at, pad + "".join(ast.unparse(n) + "\n" for n in imports))
    result = "".join(lines)
    _parse(result, "the spliced file")
    return result


def _parse(text: str, what: str) -> ast.Module:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        raise SpliceError(f"{what} does not parse: {exc}") from None


def _find(tree: ast.Module, path: list[str]) -> tuple[_Def | None, ast.ClassDef | None]:
    """The definition at ``path`` and its outermost class (None for a top-level function)."""
    body: list[ast.stmt] = tree.body
    outer: ast.ClassDef | None = None
    for name in path[:-1]:
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == name]
        if not found:
            return None, None
        outer = outer or found[-1]
        body = found[-1].body
    defs = [n for n in body if isinstance(n, _Def) and n.name == path[-1]]
    return (defs[-1] if defs else None), outer


def _new_definition(tree: ast.Module, path: list[str]) -> _Def | None:
    """The last top-level definition of the name, else the one inside the same classes."""
    top = [n for n in tree.body if isinstance(n, _Def) and n.name == path[-1]]
    if top:
        return top[-1]
    found, _ = _find(tree, path) if len(path) > 1 else (None, None)
    return found


def _siblings(new_tree: ast.Module, path: list[str], tree: ast.Module) -> list[_Def]:
    """Methods the new code defines next to the method, in a class of the same name, that
    the original class does not have."""
    if len(path) < 2 or any(isinstance(n, _Def) and n.name == path[-1] for n in new_tree.body):
        return []
    body: list[ast.stmt] = new_tree.body
    original: list[ast.stmt] = tree.body
    for name in path[:-1]:
        body = next((n.body for n in body if isinstance(n, ast.ClassDef) and n.name == name), [])
        original = next(
            (n.body for n in original if isinstance(n, ast.ClassDef) and n.name == name), []
        )
    have = {name for n in original for name in _binds(n)}
    return [n for n in body if isinstance(n, _Def) and n.name not in have | {path[-1]}]


def _start(node: _Def | ast.ClassDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _binds(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds in the module."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, _Def | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _module_names(tree: ast.Module) -> set[str]:
    """Names bound at module level, also inside top-level if/try/with blocks."""
    names: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        names |= _binds(node)
        if isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for field in ("body", "orelse", "finalbody"):
                stack += getattr(node, field, [])
            if isinstance(node, ast.Try):
                stack += [s for h in node.handlers for s in h.body]
    return names


def _wanted_import(node: ast.stmt, bound: set[str]) -> bool:
    if not isinstance(node, ast.Import | ast.ImportFrom):
        return False
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return False
    return not _binds(node) <= bound


def _string_lines(code: str) -> set[int]:
    """1-based numbers of lines that continue a multi-line string (never re-indented)."""
    inside: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.start[0] != tok.end[0] and tok.type != tokenize.NEWLINE:
                inside.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass
    return inside


def _node_text(code: str, code_lines: list[str], node: ast.stmt, indent: str) -> str:
    """The node's lines (decorators included), moved from its own column to ``indent``."""
    first = _start(node) if isinstance(node, _Def | ast.ClassDef) else node.lineno
    last = node.end_lineno or node.lineno
    keep = _string_lines(code)
    out = []
    for number in range(first, last + 1):
        line = code_lines[number - 1]
        if number not in keep:
            stripped = line[node.col_offset :] if line[: node.col_offset].isspace() else line
            line = indent + stripped if stripped.strip() else "\n"
        out.append(line if line.endswith("\n") else line + "\n")
    return "".join(out).rstrip("\n")


def _function_text(
    code: str, code_lines: list[str], new_fn: _Def, lines: list[str], target: _Def, indent: str
) -> str:
    """The new definition at the original's place: the original's decorators unless the
    new code brings its own."""
    text = _with_docstring(
        _node_text(code, code_lines, new_fn, indent) + "\n", new_fn, lines, target
    )
    if new_fn.decorator_list or not target.decorator_list:
        return text
    return "".join(lines[_start(target) - 1 : target.lineno - 1]) + text


def _docstring(body: list[ast.stmt]) -> ast.Expr | None:
    """The docstring statement opening ``body`` (a module's or a function's), if any."""
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first
    return None


def _with_docstring(text: str, new_fn: _Def, lines: list[str], target: _Def) -> str:
    """``text`` (the new definition, decorators first) with the original's docstring put back
    as its first statement, where the new code has none and its body starts on a line of its
    own; re-indented from the original body's indentation to the new one's."""
    doc = _docstring(target.body)
    if doc is None or _docstring(new_fn.body) is not None or new_fn.body[0].lineno == new_fn.lineno:
        return text
    new_lines = text.splitlines(keepends=True)
    first = new_fn.body[0]
    at = (_start(first) if isinstance(first, _Def | ast.ClassDef) else first.lineno) - _start(
        new_fn
    )
    body_line = new_lines[at]
    new_pad = body_line[: len(body_line) - len(body_line.lstrip())]
    old = lines[doc.lineno - 1 : (doc.end_lineno or doc.lineno)]
    old_pad = old[0][: doc.col_offset]
    moved = [new_pad + old[0][doc.col_offset :]]
    moved += [
        new_pad + line[len(old_pad) :] if line.startswith(old_pad) else line for line in old[1:]
    ]
    return "".join(new_lines[:at] + moved + new_lines[at:])


def _import_point(tree: ast.Module, before: int) -> tuple[int, str]:
    """Where new imports go (a 0-based line index) and what precedes them."""
    imports = [
        n
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom) and (n.end_lineno or n.lineno) < before
    ]
    if imports:
        return imports[-1].end_lineno or imports[-1].lineno, ""
    doc = _docstring(tree.body)
    if doc is not None:
        return doc.end_lineno or doc.lineno, "\n"
    return 0, ""
