"""Code out of a chat answer: the completion that, appended to a HumanEval prompt, is tested.

Pure functions from text to text. :func:`extract_completion` copes with

* reasoning (``<think>…</think>``) before the answer, and with chatty prose around it;
* several fenced blocks: it takes the last Python block that defines the entry point (else
  the last Python block) and brings in the imports, functions and classes it uses that other
  blocks define;
* a bare function body (HumanEval's completion style), indented or not, kept as the
  continuation of the prompt;
* answers without fences, or that repeat the prompt: the longest stretch of text that
  parses as Python, starting at an import, a ``def`` or a decorator.

A whole function is returned as ``"\\n" + code``: appended to the prompt it redefines the
prompt's function (whose body is only the docstring). Top-level statements other than
imports, definitions and simple assignments (example calls, prints, ``if __name__ ==
"__main__":`` blocks) are dropped from it, so the model's own demo code is never run.
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
from dataclasses import dataclass

__all__ = ["Extraction", "code_blocks", "extract_completion", "strip_reasoning"]

_REASONING = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.S | re.I)
_CLOSE_REASONING = re.compile(r"</(?:think|thinking|reasoning)>", re.I)
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^\n]*\n(?P<code>.*?)"
    r"(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
    re.S | re.M,
)
_PYTHON_LANGS = {"", "python", "py", "python3", "py3", "pycon", "ipython"}
_CODE_START = re.compile(r"^(?:def |async def |class |import |from \S+ import |@)")
_BUILTINS = frozenset(dir(builtins))
_MAX_SCAN_LINES = 400


@dataclass(frozen=True)
class Extraction:
    """The completion found in an answer, and how it was found."""

    completion: str
    """Text appended to the prompt to make the program under test."""
    method: str
    """``function`` (a whole definition), ``body`` (a continuation of the prompt),
    ``code`` (code that does not define the entry point) or ``empty`` (nothing found)."""


def strip_reasoning(text: str) -> str:
    """``text`` without ``<think>…</think>`` sections (and anything before a lone closer)."""
    text = _REASONING.sub("", text)
    closers = list(_CLOSE_REASONING.finditer(text))
    if closers:
        text = text[closers[-1].end() :]
    return text


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language, code), in order; an unclosed last fence counts."""
    blocks = []
    for match in _FENCE.finditer(text):
        width = len(match.group("indent"))
        lines = [_unindent(line, width) for line in match.group("code").splitlines()]
        blocks.append((match.group("lang").lower(), "\n".join(lines).rstrip() + "\n"))
    return blocks


def _unindent(line: str, width: int) -> str:
    """``line`` without up to ``width`` leading blanks (a fence nested in a list item)."""
    stripped = line.lstrip(" \t")
    return line[min(width, len(line) - len(stripped)) :]


def extract_completion(answer: str, prompt: str, entry_point: str) -> Extraction:
    """The completion to append to ``prompt``, extracted from a chat ``answer``.

    Args:
        answer: the model's whole answer.
        prompt: the HumanEval prompt (imports, signature, docstring).
        entry_point: the name of the function under test.
    """
    text = answer.replace("\r\n", "\n")
    for candidate in (strip_reasoning(text), text):
        found = _from_text(candidate, prompt, entry_point)
        if found is not None:
            return found
    return Extraction("", "empty")


def _from_text(text: str, prompt: str, entry_point: str) -> Extraction | None:
    blocks = [code for lang, code in code_blocks(text) if lang in _PYTHON_LANGS]
    blocks = [b for b in blocks if b.strip()]
    if blocks:
        defining = [i for i, b in enumerate(blocks) if _defines(b, entry_point)]
        chosen = defining[-1] if defining else len(blocks) - 1
        others = blocks[:chosen][::-1] + blocks[chosen + 1 :]
        return _shape(blocks[chosen], others, prompt, entry_point)
    bare = _bare_code(text, prompt)
    if bare is None:
        return None
    return _shape(bare, [], prompt, entry_point)


def _shape(code: str, others: list[str], prompt: str, entry_point: str) -> Extraction:
    """Turn the chosen code into a completion: a whole function, a body, or other code."""
    dedented = textwrap.dedent(code)
    tree = _parse(dedented)
    if tree is not None and _defines_tree(tree, entry_point):
        kept = _definitions_only(dedented, tree)
        helpers = _helpers(kept, others, prompt)
        return Extraction("\n" + helpers + kept, "function")
    body = _as_body(code, prompt)
    if body is not None:
        return Extraction(body, "body")
    return Extraction("\n" + dedented, "code") if dedented.strip() else Extraction("", "empty")


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _defines_tree(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
        for node in tree.body
    )


def _defines(code: str, name: str) -> bool:
    tree = _parse(code)
    if tree is not None:
        return _defines_tree(tree, name)
    return re.search(rf"^(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M) is not None


def _node_text(lines: list[str], node: ast.stmt) -> str:
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)])
    end = node.end_lineno or node.lineno
    return "\n".join(lines[start - 1 : end]) + "\n"


def _definitions_only(code: str, tree: ast.Module) -> str:
    """Imports, definitions and assignments of ``code``; demo statements dropped."""
    lines = code.splitlines()
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    kept = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _calls_any(node, defined):
            continue
        if isinstance(node, _KEEP):
            kept.append(_node_text(lines, node))
    return "\n".join(kept)


_KEEP = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)


def _calls_any(node: ast.AST, names: set[str]) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names
        for n in ast.walk(node)
    )


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (over-approximates its free names' complement)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _free_names(tree: ast.AST) -> set[str]:
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    return loaded - _bound_names(tree) - _BUILTINS


def _provides(node: ast.stmt) -> set[str]:
    """Names a top-level statement of another block may lend: imports, defs, CONSTANTS."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        return {n for n in names if n.isupper()}
    return set()


def _helpers(code: str, others: list[str], prompt: str) -> str:
    """Definitions from ``others`` that ``code`` needs (transitively), imports first."""
    tree = _parse(code)
    if tree is None or not others:
        return ""
    prompt_tree = _parse(prompt + "    pass\n") or _parse(prompt)
    known = _bound_names(prompt_tree) if prompt_tree is not None else set()
    known |= _bound_names(tree)
    missing = _free_names(tree) - known
    nodes = [
        (block.splitlines(), node)
        for block in others
        if (block_tree := _parse(block)) is not None
        for node in block_tree.body
    ]
    taken: list[tuple[list[str], ast.stmt]] = []
    changed = True
    while changed:  # a lent definition may need more names: repeat until nothing new
        changed = False
        for lines, node in nodes:
            lent = _provides(node) & missing
            if lent and all(node is not t for _, t in taken):
                taken.append((lines, node))
                missing = (missing - lent) | (_free_names(node) - known)
                known |= lent
                changed = True
    imports = [_node_text(ln, n) for ln, n in taken if isinstance(n, ast.Import | ast.ImportFrom)]
    defs = [_node_text(ln, n) for ln, n in taken if not isinstance(n, ast.Import | ast.ImportFrom)]
    return "".join(f"{text}\n" for text in [*imports, *defs])


def _body_indent(prompt: str) -> str:
    """The indentation of the prompt's last function body (its docstring), default 4."""
    for line in reversed(prompt.rstrip().splitlines()):
        stripped = line.lstrip()
        if stripped and not line.startswith(("def ", "async def ")):
            indent = line[: len(line) - len(stripped)]
            if indent:
                return indent
    return "    "


def _returns_outside_function(code: str) -> bool:
    try:
        compile(code, "<answer>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return "outside function" in str(exc.msg)
    except ValueError:
        return False
    return False


def _as_body(code: str, prompt: str) -> str | None:
    """``code`` as a body continuing ``prompt``'s function, or None when it is not one."""
    if not code.strip():
        return None
    dedented = textwrap.dedent(code)
    first = next(line for line in code.splitlines() if line.strip())
    if not (first[:1] in (" ", "\t") or _returns_outside_function(dedented)):
        return None
    indent = _body_indent(prompt)
    body = textwrap.indent(dedented, indent, lambda line: bool(line.strip()))
    if _parse(prompt + body) is not None:
        return body
    # a body followed by top-level helpers: re-indent only up to the first top-level def
    lines = dedented.splitlines()
    cut = next((i for i, ln in enumerate(lines) if i and _CODE_START.match(ln)), len(lines))
    head = textwrap.indent("\n".join(lines[:cut]) + "\n", indent, lambda ln: bool(ln.strip()))
    body = head + "\n".join(lines[cut:]) + ("\n" if cut < len(lines) else "")
    return body if _parse(prompt + body) is not None else None


_CODE_LINE = re.compile(
    r"^(?:[ \t]|$|#|def |async |class |import |from |@|if |elif |else|for |while |try|except|"
    r"finally|with |return|raise |[A-Za-z_][\w.]*\s*(?:[-+*/%|&]?=|\(|\[)|\)|\]|\})"
)
_MAX_PARSES = 200


def _bare_code(text: str, prompt: str) -> str | None:
    """Code in an answer without fences: a body continuation, or the first run that parses.

    A run starts at an import, ``def``, ``class`` or decorator line and ends before the
    first line that cannot be code (prose); it is shortened from its end until it parses.
    """
    if not text.strip():
        return None
    lines = text.rstrip().splitlines()[:_MAX_SCAN_LINES]
    first = next(line for line in lines if line.strip())
    parses = 0
    if first[:1] in (" ", "\t"):
        end = _run_end(lines, 0)
        for stop in range(end, 0, -1):
            parses += 1
            body = "\n".join(lines[:stop]) + "\n"
            if _parse(prompt + body) is not None:
                return body
            if parses > _MAX_PARSES:
                return None
    for start in (i for i, line in enumerate(lines) if _CODE_START.match(line)):
        for stop in range(_run_end(lines, start), start, -1):
            parses += 1
            tree = _parse("\n".join(lines[start:stop]) + "\n")
            if tree is not None and any(not isinstance(n, ast.Expr) for n in tree.body):
                return "\n".join(lines[start:stop]) + "\n"
            if parses > _MAX_PARSES:
                return None
    return None


def _run_end(lines: list[str], start: int) -> int:
    """Index of the first line after ``start`` that reads as prose, not code."""
    for i in range(start + 1, len(lines)):
        if not _CODE_LINE.match(lines[i]):
            return i
    return len(lines)


def lift_method(answer: str, name: str) -> str | None:
    """An answer that wrapped method ``name`` in a class of its own, as a bare function.

    Asked for a method from its signature alone, models often invent a class around it; the
    method itself (with the block's imports) is what the task asked for. Returns a fenced
    block holding just that, or None when no block has ``name`` only inside a class.
    """
    for _, code in reversed(code_blocks(strip_reasoning(answer))):
        source = textwrap.dedent(code)
        tree = _parse(source)
        if tree is None or _defines_tree(tree, name):
            continue
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for node in cls.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                    imports = [
                        ast.get_source_segment(source, n) or ""
                        for n in tree.body
                        if isinstance(n, ast.Import | ast.ImportFrom)
                    ]
                    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                    lines = source.splitlines()[start - 1 : node.end_lineno]
                    method = textwrap.dedent("\n".join(lines))
                    return "```python\n" + "\n".join([*imports, "", method]).strip() + "\n```\n"
    return None
