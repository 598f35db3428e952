"""A repo map in the style of aider, at the level of definitions, ranked by PageRank.

The graph's nodes are chunks (functions, methods, classes, top-level windows; see
:mod:`~proctor.retrieval.parse`). A chunk that uses an identifier has an edge to every other
chunk defining it, weighted ``sqrt(uses)`` times a multiplier: up to x10 when the statement
names the identifier (scaled by how sure, see :mod:`~proctor.retrieval.mentions`), x10 for
long snake_case/CamelCase names, x0.1 for private ``_names`` and for names defined in more
than five places; names defined in more than :data:`MAX_DEFINERS` places make no
edges. PageRank is personalized towards the chunks defining what the statement
names and the files whose path it names, so rank flows from what the reporter mentions to
the code it calls (``unparse`` to ``_emit``), even within one file. A file's rank is the sum
of its chunks' ranks; the outline lists the signatures of the best definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from proctor.repo import is_test_path
from proctor.retrieval.mentions import Mentions, is_code_like
from proctor.retrieval.parse import Definition, ParsedFile
from proctor.retrieval.tokens import estimate_tokens

DAMPING = 0.85
MAX_DEFINERS = 30
"""Names defined in more places than this (``__init__``, ``run``) make no edges: a use of
one says next to nothing about where it goes, and their edges would outnumber the rest."""
_MAX_SIGNATURE = 160


@dataclass(frozen=True)
class Graph:
    """Edges from chunks using an identifier to the other chunks defining it, as arrays.

    Nodes are numbered file by file, chunk by chunk, in the order of the files given.
    """

    size: int
    source: npt.NDArray[np.int64]
    target: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    definers: dict[str, list[int]]
    """Identifier to the nodes defining it."""


@dataclass(frozen=True)
class RankedDefinition:
    """A definition with the rank of the chunk holding it."""

    path: str
    definition: Definition
    score: float


@dataclass(frozen=True)
class RepoMap:
    """Chunks, files and definitions ranked for one statement."""

    chunk_ranks: tuple[float, ...]
    """PageRank of every chunk, files in the order given, chunks in file order (sum 1)."""
    file_ranks: Mapping[str, float]
    """Sum of the ranks of each file's chunks."""
    definitions: tuple[RankedDefinition, ...]
    """Best first; ties in path and line order."""


def ident_multiplier(ident: str, definers: int, mentions: Mentions) -> float:
    """How much an identifier's uses count, before ``sqrt(uses)``."""
    mul = 1.0 + 9.0 * mentions.weight(ident)
    if is_code_like(ident) and len(ident) >= 8:
        mul *= 10
    if ident.startswith("_"):
        mul *= 0.1
    if definers > 5:
        mul *= 0.1
    return mul


def _definers(files: Sequence[ParsedFile]) -> dict[str, list[int]]:
    """Short name to the nodes (chunks) defining it, in node order."""
    definers: dict[str, list[int]] = {}
    base = 0
    for parsed in files:
        for definition, holder in zip(parsed.definitions, parsed.holders, strict=True):
            if holder >= 0:
                nodes = definers.setdefault(definition.short_name, [])
                if not nodes or nodes[-1] != base + holder:
                    nodes.append(base + holder)
        base += len(parsed.chunks)
    return definers


def build_graph(files: Sequence[ParsedFile], mentions: Mentions) -> Graph:
    """Every (using chunk, defining chunk) edge of the repository; self-edges left out."""
    definers = _definers(files)
    ids = {name: i for i, (name, d) in enumerate(definers.items()) if len(d) <= MAX_DEFINERS}
    counts = np.array([len(d) for d in definers.values()], dtype=np.int64)
    muls = np.array([ident_multiplier(n, len(d), mentions) for n, d in definers.items()])
    flat = np.array([node for d in definers.values() for node in d], dtype=np.int64)
    firsts = np.cumsum(counts) - counts
    users: list[int] = []
    used: list[int] = []
    uses: list[int] = []
    node = 0
    for parsed in files:
        for references in parsed.references:
            for name, count in references.items():
                found = ids.get(name)
                if found is not None:
                    users.append(node)
                    used.append(found)
                    uses.append(count)
            node += 1
    # Expand each (user, identifier) into one edge per defining chunk, without a Python loop.
    ident = np.array(used, dtype=np.int64)
    fan = counts[ident]
    offsets = np.arange(int(fan.sum()), dtype=np.int64) - np.repeat(np.cumsum(fan) - fan, fan)
    source = np.repeat(np.array(users, dtype=np.int64), fan)
    target = flat[np.repeat(firsts[ident], fan) + offsets]
    weight = np.repeat(muls[ident] * np.sqrt(np.array(uses, dtype=np.float64)), fan)
    keep = source != target
    return Graph(node, source[keep], target[keep], weight[keep], definers)


def personalization(
    files: Sequence[ParsedFile], graph: Graph, mentions: Mentions
) -> npt.NDArray[np.float64]:
    """Teleport weights: chunks defining a named identifier (shared among its definers) and
    the chunks of files named by path; uniform when the statement names nothing known."""
    weights = np.zeros(graph.size)
    for name, nodes in graph.definers.items():
        named = mentions.weight(name)
        if named > 0:
            weights[nodes] += named / len(nodes)
    base = 0
    for parsed in files:
        size = len(parsed.chunks)
        by_path = mentions.path_weight(parsed.path) if size else 0.0
        if by_path > 0:
            weights[base : base + size] += by_path / size
        base += size
    total = weights.sum()
    if total <= 0:
        return np.full(graph.size, 1.0 / max(graph.size, 1))
    return np.asarray(weights / total, dtype=np.float64)


def pagerank(
    graph: Graph,
    teleport: npt.NDArray[np.float64],
    *,
    damping: float = DAMPING,
    tol: float = 1e-8,
    max_iter: int = 200,
) -> npt.NDArray[np.float64]:
    """Personalized PageRank by power iteration; dangling mass goes back to ``teleport``."""
    size, src, dst = graph.size, graph.source, graph.target
    if size == 0:
        return np.zeros(0)
    out = np.bincount(src, weights=graph.weight, minlength=size)
    share = graph.weight / out[src] if len(src) else graph.weight
    dangling = out == 0
    rank = teleport.copy()
    for _ in range(max_iter):
        flow = np.bincount(dst, weights=rank[src] * share, minlength=size)
        new = damping * (flow + rank[dangling].sum() * teleport) + (1 - damping) * teleport
        done = float(np.abs(new - rank).sum()) < tol
        rank = new
        if done:
            break
    return np.asarray(rank, dtype=np.float64)


def build_repo_map(
    files: Sequence[ParsedFile], mentions: Mentions, graph: Graph | None = None
) -> RepoMap:
    """Rank the chunks, files and definitions of a repository for ``mentions``.

    ``graph`` is :func:`build_graph` of the same files and mentions, when the caller has it.
    """
    graph = graph if graph is not None else build_graph(files, mentions)
    ranks = pagerank(graph, personalization(files, graph, mentions))
    file_ranks: dict[str, float] = {}
    ranked: list[RankedDefinition] = []
    base = 0
    for parsed in files:
        size = len(parsed.chunks)
        file_ranks[parsed.path] = float(ranks[base : base + size].sum())
        for definition, holder in zip(parsed.definitions, parsed.holders, strict=True):
            score = float(ranks[base + holder]) if holder >= 0 else 0.0
            ranked.append(RankedDefinition(parsed.path, definition, score))
        base += size
    ranked.sort(key=lambda r: (-r.score, r.path, r.definition.start_line))
    return RepoMap(tuple(float(r) for r in ranks), file_ranks, tuple(ranked))


def _outlined(definition: Definition) -> bool:
    """Functions, classes and module constants; class attributes and dunders are noise."""
    if definition.kind != "variable":
        return True
    return "." not in definition.name and not definition.name.startswith("__")


def _signature_line(definition: Definition) -> str:
    text = " ".join(definition.signature.split())
    return text if len(text) <= _MAX_SIGNATURE else text[: _MAX_SIGNATURE - 3] + "..."


def outline(chosen: Sequence[RankedDefinition], files: Mapping[str, ParsedFile]) -> str:
    """Files in order of their best chosen definition, each with the signatures of its chosen
    definitions (and of the classes holding them) in line order, nested by qualified name."""
    by_file: dict[str, set[str]] = {}
    for item in chosen:
        names = by_file.setdefault(item.path, set())
        parts = item.definition.name.split(".")
        names.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    lines: list[str] = []
    for path, names in by_file.items():
        lines.append(f"{path}:")
        shown = [d for d in files[path].definitions if d.name in names]
        for definition in sorted(shown, key=lambda d: (d.start_line, d.name)):
            indent = "    " * definition.name.count(".")
            lines.append(f"  {indent}{_signature_line(definition)}")
    return "\n".join(lines)


def render_outline(
    repo_map: RepoMap,
    files: Sequence[ParsedFile],
    budget_tokens: int,
    *,
    limit: int = 400,
    test_weight: float = 1.0,
) -> str:
    """The outline of the most definitions (best first, at most ``limit``) within the budget.

    Class attributes and dunder variables (``__all__``) are left out; definitions in test
    files count ``test_weight`` times their score.
    """
    by_path = {f.path: f for f in files}
    tests = {f.path for f in files if is_test_path(f.path)}
    candidates = [d for d in repo_map.definitions if d.score > 0 and _outlined(d.definition)]
    candidates.sort(key=lambda d: -d.score * (test_weight if d.path in tests else 1.0))
    candidates = candidates[:limit]
    low, high, best = 1, len(candidates), ""
    while low <= high:
        middle = (low + high) // 2
        text = outline(candidates[:middle], by_path)
        if estimate_tokens(text) <= budget_tokens:
            best, low = text, middle + 1
        else:
            high = middle - 1
    return best
