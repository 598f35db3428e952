"""What a problem statement names: identifiers and paths, each with how sure we are of it.

A name is sure (weight 1) when it is written as code: in backticks, called (``name(``),
dotted, CamelCase or snake_case. Names in fenced code examples weigh less (0.5), since
examples also use the reporter's own variables. A plain word weighs 0.3, and only when the
repository defines it (``known``), e.g. ``split`` in "does not split a script".
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

CODE_WEIGHT = 1.0
EXAMPLE_WEIGHT = 0.5
WORD_WEIGHT = 0.3

_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.S)
_TICK = re.compile(r"`([^`\n]+)`")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_DOTTED = re.compile(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.py)\b")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z]{2,}[a-z]{2,}")
_IGNORED = frozenset([*keyword.kwlist, *keyword.softkwlist, *dir(builtins), "self", "cls"])


@dataclass(frozen=True)
class Mentions:
    """Identifiers and path hints found in a problem statement."""

    names: Mapping[str, float] = field(default_factory=dict)
    """Identifier to weight in (0, 1]."""
    paths: Mapping[str, float] = field(default_factory=dict)
    """Path hint without ``.py`` to weight: ``w3lib/url`` from ``w3lib/url.py`` (weight 1)
    or from the dotted name ``w3lib.url`` (half the weight of the name; each shorter prefix
    of a dotted name, ``w3lib``, proportionally less)."""

    def weight(self, name: str) -> float:
        """The weight of ``name``, 0 when it is not mentioned."""
        return self.names.get(name, 0.0)

    def path_weight(self, path: str) -> float:
        """The weight of the best hint naming the file ``path`` (a suffix at a ``/``), or 0."""
        module, bare = module_path(path), path.removesuffix(".py")
        best = 0.0
        for hint, weight in self.paths.items():
            if (
                module == hint
                or bare == hint
                or module.endswith("/" + hint)
                or bare.endswith("/" + hint)
            ):
                best = max(best, weight)
        return best


def is_code_like(word: str) -> bool:
    """Whether ``word`` looks like an identifier rather than prose: snake_case or CamelCase
    (``getName``, ``LRUCache``; not ``URLs`` or ``IPv6``)."""
    core = word.strip("_")
    return "_" in core or _CAMEL.search(core) is not None


def _add(names: dict[str, float], words: Iterable[str], weight: float) -> None:
    for word in words:
        if len(word) > 1 and word not in _IGNORED and names.get(word, 0.0) < weight:
            names[word] = weight


def _dotted(text: str, names: dict[str, float], paths: dict[str, float], weight: float) -> None:
    for dotted in _DOTTED.findall(text):
        parts = dotted.split(".")
        _add(names, parts, weight)
        for end in range(1, len(parts) + 1):
            # the longer the prefix, the likelier it is the module: a/b/c over a
            _add(paths, ["/".join(parts[:end])], weight / 2 * end / len(parts))


def extract_mentions(statement: str, known: Collection[str] = frozenset()) -> Mentions:
    """The identifiers and paths ``statement`` names.

    Args:
        statement: the problem statement (Markdown).
        known: names the repository defines; plain words count only when in it.
    """
    names: dict[str, float] = {}
    paths: dict[str, float] = {}
    _add(paths, (p.removeprefix("./").removesuffix(".py") for p in _PATH.findall(statement)), 1.0)
    text = _PATH.sub(" ", statement)  # so that "x/y.py" is not read as the dotted name y.py
    examples = _FENCE.findall(text)
    prose = _FENCE.sub(" ", text)
    for code in _TICK.findall(prose):
        _add(names, _IDENT.findall(code), CODE_WEIGHT)
        _dotted(code, names, paths, CODE_WEIGHT)
    _dotted(prose, names, paths, CODE_WEIGHT)
    words = _IDENT.findall(prose)
    _add(names, (w for w in words if is_code_like(w)), CODE_WEIGHT)
    _add(names, _CALL.findall(prose), CODE_WEIGHT)
    for code in examples:
        _add(names, _IDENT.findall(code), EXAMPLE_WEIGHT)
        _dotted(code, names, paths, EXAMPLE_WEIGHT)
    # Capitalized words are left out: "For" starting a sentence is not sqlparse's class For.
    plain = (w for w in words if w in known and len(w) > 2 and not w[0].isupper())
    _add(names, plain, WORD_WEIGHT)
    return Mentions(names, paths)


def module_path(path: str) -> str:
    """``path`` as a module path hint: without ``.py`` and without a trailing ``/__init__``."""
    return path.removesuffix(".py").removesuffix("/__init__")
