"""A small GBNF matcher for tests: does a text belong to the language of a grammar?

It reads the subset of llama.cpp's GBNF that :mod:`proctor.agent.grammar` writes (one rule a
line; string literals, character classes with ``^`` and ranges, groups, alternatives, ``*``,
``+``, ``?`` and ``{m,n}``), and matches by sets of end positions, memoized per (rule,
position), so ambiguity costs nothing and right recursion is as deep as the text has lines.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache

_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "]": "]", "[": "[", "^": "^"}
_TOKEN = re.compile(
    r'\s*(?:(?P<lit>"(?:\\.|[^"\\])*")|(?P<cls>\[(?:\\.|[^\]\\])*\])|(?P<name>[a-zA-Z0-9-]+)'
    r"|(?P<rep>\{\d+,\d*\})|(?P<op>[()|*+?]))"
)


@dataclass(frozen=True)
class Node:
    kind: str  # lit, cls, ref, seq, alt, rep
    value: object = None
    parts: tuple[Node, ...] = ()
    low: int = 0
    high: int | None = None


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESC[m.group(1)], body)


def _class(text: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    body = text[1:-1]
    negated = body.startswith("^")
    chars = [_ESC[c[1]] if c.startswith("\\") else c for c in re.findall(r"\\.|.", body[negated:])]
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            ranges.append((chars[i], chars[i + 2]))
            i += 3
        else:
            ranges.append((chars[i], chars[i]))
            i += 1
    return negated, tuple(ranges)


def _parse(text: str) -> Node:
    tokens = [(m.lastgroup or "", m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(text)]
    at = 0

    def alt() -> Node:
        nonlocal at
        options = [seq()]
        while at < len(tokens) and tokens[at] == ("op", "|"):
            at += 1
            options.append(seq())
        return options[0] if len(options) == 1 else Node("alt", parts=tuple(options))

    def seq() -> Node:
        nonlocal at
        items: list[Node] = []
        while at < len(tokens) and tokens[at] not in (("op", "|"), ("op", ")")):
            kind, value = tokens[at]
            at += 1
            if kind == "lit":
                item = Node("lit", _unescape(value[1:-1]))
            elif kind == "cls":
                item = Node("cls", _class(value))
            elif kind == "name":
                item = Node("ref", value)
            else:  # "("
                item = alt()
                at += 1  # ")"
            while at < len(tokens) and (tokens[at][0] == "rep" or tokens[at][1] in "*+?"):
                kind, value = tokens[at]
                at += 1
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(value, (0, 0))
                if kind == "rep":
                    lo, hi = value[1:-1].split(",")
                    low, high = int(lo), (int(hi) if hi else None)
                item = Node("rep", parts=(item,), low=low, high=high)
            items.append(item)
        return Node("seq", parts=tuple(items))

    return alt()


def matches(grammar: str, text: str, root: str = "root") -> bool:
    """Whether ``text`` is a sentence of ``grammar`` (from rule ``root``)."""
    rules = {}
    for line in grammar.splitlines():
        if line.strip():
            name, body = line.split("::=", 1)
            rules[name.strip()] = _parse(body)

    @cache
    def ref(name: str, pos: int) -> frozenset[int]:
        return frozenset(ends(rules[name], pos))

    def ends(node: Node, pos: int) -> set[int]:
        if node.kind == "lit":
            value = str(node.value)
            return {pos + len(value)} if text.startswith(value, pos) else set()
        if node.kind == "cls":
            negated, ranges = node.value  # type: ignore[misc]
            if pos >= len(text):
                return set()
            inside = any(lo <= text[pos] <= hi for lo, hi in ranges)
            return {pos + 1} if inside != negated else set()
        if node.kind == "ref":
            return set(ref(str(node.value), pos))
        if node.kind == "alt":
            return {end for part in node.parts for end in ends(part, pos)}
        if node.kind == "seq":
            at = {pos}
            for part in node.parts:
                at = {end for start in at for end in ends(part, start)}
            return at
        found = {pos} if node.low == 0 else set()
        frontier, count = {pos}, 0
        while frontier and (node.high is None or count < node.high):
            frontier = {end for start in frontier for end in ends(node.parts[0], start)} - {
                p for p in frontier
            }
            count += 1
            if count >= node.low:
                found |= frontier
        return found

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * len(text) + 1000))
    try:
        return len(text) in ref(root, 0)
    finally:
        sys.setrecursionlimit(limit)
