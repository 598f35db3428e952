"""Functions of a source file, as the function-synthesis pipeline sees them (pure).

:func:`find_functions` lists the top-level functions and methods of top-level classes with
where their parts start and end; :func:`remove_body` replaces a body by
``raise NotImplementedError`` (the docstring stays); :func:`isolated_prompt` is the signature
and docstring alone, HumanEval-style.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

__all__ = ["FunctionInfo", "find_functions", "isolated_prompt", "remove_body"]

_SKIP_DECORATORS = {"overload", "abstractmethod", "abc.abstractmethod", "typing.overload"}
STUB = "raise NotImplementedError"


@dataclass(frozen=True)
class FunctionInfo:
    """Where one function sits in its file (line numbers are 1-based, inclusive)."""

    path: str
    """File, relative to the repository root."""
    qualname: str
    """``name`` or ``Class.name``."""
    first_line: int
    """First line of the definition: the first decorator's, as ``co_firstlineno`` says."""
    header_end: int
    """Last line kept when the body is removed: the docstring's end, else the signature's."""
    body_start: int
    """First line of the body after the docstring."""
    end_line: int
    body_indent: str
    has_docstring: bool
    is_method: bool

    @property
    def body_lines(self) -> int:
        """Lines of the body, docstring excluded."""
        return self.end_line - self.body_start + 1


def find_functions(path: str, source: str) -> list[FunctionInfo]:
    """Top-level functions and methods of top-level classes of ``source``, in file order.

    Left out: async functions, one-line definitions, dunder methods, tests (``test*``
    names), ``@overload``/``@abstractmethod`` stubs, and bodies that are only a docstring.
    A file that does not parse gives no functions.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            info = _info(path, source, node, "")
            found += [info] if info is not None else []
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    info = _info(path, source, item, f"{node.name}.")
                    found += [info] if info is not None else []
    return found


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def _info(path: str, source: str, node: ast.FunctionDef, prefix: str) -> FunctionInfo | None:
    name = node.name
    if name.startswith("test") or (name.startswith("__") and name.endswith("__")):
        return None
    if any(_decorator_name(d) in _SKIP_DECORATORS for d in node.decorator_list):
        return None
    body = node.body
    has_doc = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    rest = body[1:] if has_doc else body
    if not rest or body[0].lineno == node.lineno:
        return None
    lines = source.splitlines()
    if has_doc:
        header_end = body[0].end_lineno or body[0].lineno
    else:
        header_end = _signature_end(lines, node, rest[0].lineno)
    if rest[0].lineno <= header_end:  # a statement shares the docstring's line
        return None
    line = lines[rest[0].lineno - 1]
    return FunctionInfo(
        path=path,
        qualname=prefix + name,
        first_line=min([node.lineno, *(d.lineno for d in node.decorator_list)]),
        header_end=header_end,
        body_start=rest[0].lineno,
        end_line=node.end_lineno or node.lineno,
        body_indent=line[: len(line) - len(line.lstrip())],
        has_docstring=has_doc,
        is_method=bool(prefix),
    )


def _signature_end(lines: list[str], node: ast.FunctionDef, body_start: int) -> int:
    """The line holding the signature's closing ``:``: the last line before the body that
    is neither blank nor a comment."""
    end = body_start - 1
    while end > node.lineno and (
        not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")
    ):
        end -= 1
    return end


def remove_body(source: str, fn: FunctionInfo) -> str:
    """``source`` with ``fn``'s body replaced by ``raise NotImplementedError``."""
    lines = source.splitlines(keepends=True)
    stub = f"{fn.body_indent}{STUB}\n"
    return "".join([*lines[: fn.header_end], stub, *lines[fn.end_line :]])


def isolated_prompt(source: str, fn: FunctionInfo) -> str:
    """The decorators, signature and docstring of ``fn``, dedented (a method loses its class)."""
    lines = source.splitlines(keepends=True)
    text = "".join(lines[fn.first_line - 1 : fn.header_end])
    return textwrap.dedent(text).rstrip("\n") + "\n"
