"""Samples of a Python file's conventions, read with tree-sitter.

A sample is one observation for one check: a function's name style, whether a public class
has a docstring, whether an intra-package import is relative, which quotes a string uses...
Its ``key`` (qualified name, import text, string text) lets the same observation be found at
base, so old or moved code is not judged again (strings are matched by their line, see
:mod:`.conventions`). Everything here is a pure function of text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor

_LITERALS = frozenset(
    {
        "integer",
        "float",
        "string",
        "concatenated_string",
        "true",
        "false",
        "none",
        "tuple",
        "unary_operator",
    }
)
_QUERY = """
(function_definition) @def
(class_definition) @class
(import_statement) @import
(import_from_statement) @import
(string) @string
(module (expression_statement (assignment left: (identifier) @const)))
"""


_STYLES = ("snake_case", "camelCase", "PascalCase", "UPPER_CASE")


@dataclass(frozen=True)
class Sample:
    """One observation: which check, the values it shows, where, and what it is."""

    check: str
    values: frozenset[str]
    line: int
    key: str
    subject: str


def name_styles(name: str) -> frozenset[str]:
    """Every style ``name`` fits once leading/trailing underscores are stripped."""
    core = name.strip("_")
    if not core:  # `_`, `__`: a placeholder, not a style
        return frozenset(_STYLES)
    styles = set()
    if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", core):
        styles.add("snake_case")
    if re.fullmatch(r"[a-z][a-z0-9]*([A-Z][a-z0-9]*)*", core):
        styles.add("camelCase")
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", core):  # GUID, URL: an acronym is a Pascal word
        styles.add("PascalCase")
    if re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", core):
        styles.add("UPPER_CASE")
    return frozenset(styles or {"other"})


@functools.lru_cache(maxsize=1)
def _language() -> Language:
    return Language(tree_sitter_python.language())


@functools.lru_cache(maxsize=8)
def _query(source: str) -> Query:
    return Query(_language(), source)


def captures(text: str, query: str) -> dict[str, list[Node]]:
    """Nodes of ``text`` that the tree-sitter ``query`` captures, by capture name."""
    tree = Parser(_language()).parse(text.encode("utf-8", "replace"))
    return QueryCursor(_query(query)).captures(tree.root_node)


def node_text(node: Node | None) -> str:
    """The source text of ``node`` ('' for None)."""
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _scope(node: Node) -> list[tuple[str, str]]:
    """Enclosing (kind, name) definitions of ``node``, outermost first."""
    scope = []
    parent = node.parent
    while parent is not None:
        if parent.type in ("class_definition", "function_definition"):
            kind = "class" if parent.type == "class_definition" else "function"
            scope.append((kind, node_text(parent.child_by_field_name("name"))))
        parent = parent.parent
    return scope[::-1]


def _documented(node: Node) -> bool:
    body = node.child_by_field_name("body")
    first = next((c for c in (body.named_children if body else []) if c.type != "comment"), None)
    return (
        first is not None
        and first.type == "expression_statement"
        and first.named_child_count == 1
        and first.named_children[0].type in ("string", "concatenated_string")
    )


def _params(node: Node) -> list[tuple[str, bool]]:
    """(name, annotated) of each parameter, without separators."""
    found = []
    params = node.child_by_field_name("parameters")
    for child in params.named_children if params else []:
        annotated = child.type in ("typed_parameter", "typed_default_parameter")
        name_node = child.child_by_field_name("name")
        if name_node is None:
            name_node = (
                child
                if child.type == "identifier"
                else next((c for c in child.named_children if c.type != "type"), None)
            )
        if name_node is not None and name_node.type in (
            "list_splat_pattern",
            "dictionary_splat_pattern",
        ):
            name_node = name_node.named_children[0] if name_node.named_children else None
        if name_node is not None and name_node.type == "identifier":
            found.append((node_text(name_node), annotated))
    return found


def _decorators(node: Node) -> list[str]:
    parent = node.parent
    if parent is None or parent.type != "decorated_definition":
        return []
    return [node_text(c) for c in parent.named_children if c.type == "decorator"]


def _def_samples(node: Node) -> Iterator[Sample]:
    name = node_text(node.child_by_field_name("name"))
    scope = _scope(node)
    qual = ".".join([n for _, n in scope] + [name])
    line = node.start_point[0] + 1
    is_class = node.type == "class_definition"
    kind = "class" if is_class else ("method" if scope and scope[-1][0] == "class" else "function")
    yield Sample(f"naming.{kind}", name_styles(name), line, qual, name)
    public = not name.startswith("_") and all(k == "class" for k, _ in scope)
    skip = any(re.search(r"overload|\.setter|\.deleter", d) for d in _decorators(node))
    if public and not skip:
        documented = "documented" if _documented(node) else "missing"
        yield Sample(f"docstring.{kind}", frozenset({documented}), line, qual, qual)
    if is_class:
        return
    params = _params(node)
    if kind == "method" and params and params[0][0] in ("self", "cls"):
        params = params[1:]
    for pname, _ in params:
        yield Sample("naming.argument", name_styles(pname), line, f"{qual}({pname})", pname)
    if public and not skip:
        bare = [p for p, annotated in params if not annotated]
        if params:
            value = "unannotated" if bare else "annotated"
            yield Sample(
                "annotations.params", frozenset({value}), line, qual, f"{qual} ({', '.join(bare)})"
            )
        returns = "annotated" if node.child_by_field_name("return_type") else "unannotated"
        yield Sample("annotations.return", frozenset({returns}), line, qual, qual)


def _import_samples(node: Node, package: str | None) -> Iterator[Sample]:
    code = " ".join(node_text(node).split())
    scope = _scope(node)
    qual = ".".join(n for _, n in scope)
    line = node.start_point[0] + 1
    inside = "function" if any(k == "function" for k, _ in scope) else "top"
    yield Sample("import.placement", frozenset({inside}), line, f"{qual}:{code}", code)
    if package is None:
        return
    module = node.child_by_field_name("module_name")
    if module is not None and module.type == "relative_import":
        style = "relative"
    else:
        names = [module] if module is not None else node.children_by_field_name("name")
        firsts = {node_text(n).split(" ")[0].split(".")[0] for n in names}
        style = "absolute" if package in firsts else ""
    if style:
        yield Sample("import.style", frozenset({style}), line, code, code)


def _string_sample(node: Node) -> Sample | None:
    parent = node.parent
    if parent is not None and parent.type == "concatenated_string":
        parent = parent.parent
    if parent is None or parent.type == "expression_statement":
        return None  # docstrings and bare strings
    ancestor = node.parent
    while ancestor is not None:
        if ancestor.type == "interpolation":
            return None
        ancestor = ancestor.parent
    text = node_text(node)
    body = text.lstrip("rRbBuUfFtT")
    if len(body) < 2 or body[:3] in ('"""', "'''") or any(q in body[1:-1] for q in "'\""):
        return None
    value = "double" if body[0] == '"' else "single"
    return Sample("quotes", frozenset({value}), node.start_point[0] + 1, text, text)


def _constant_sample(node: Node) -> Sample | None:
    name = node_text(node)
    assignment = node.parent
    right = assignment.child_by_field_name("right") if assignment else None
    if right is None or right.type not in _LITERALS or re.fullmatch(r"__\w+__", name):
        return None
    return Sample("naming.constant", name_styles(name), node.start_point[0] + 1, name, name)


def package_of(path: str) -> str | None:
    """Top-level package a file belongs to (None for a top-level module)."""
    parts = list(PurePosixPath(path).parts)
    if parts and parts[0] in ("src", "lib"):
        parts = parts[1:]
    return parts[0] if len(parts) >= 2 else None


def file_samples(text: str, path: str) -> list[Sample]:
    """Every sample of one file's text (naming, docstrings, annotations, imports, quotes)."""
    found = captures(text, _QUERY)
    package = package_of(path)
    samples: list[Sample] = []
    for node in found.get("def", []) + found.get("class", []):
        samples.extend(_def_samples(node))
    for node in found.get("import", []):
        samples.extend(_import_samples(node, package))
    for node in found.get("string", []):
        if (sample := _string_sample(node)) is not None:
            samples.append(sample)
    for node in found.get("const", []):
        if (sample := _constant_sample(node)) is not None:
            samples.append(sample)
    return samples
