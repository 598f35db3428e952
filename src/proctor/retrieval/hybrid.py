"""The hybrid retriever: BM25 over chunks fused with the repo map's PageRank.

Each chunk gets two ranks, one by its BM25 score for the statement, one by its PageRank in
the repo map (:mod:`~proctor.retrieval.repomap`), and reciprocal rank fusion adds
``1 / (k + rank)`` of each (a chunk missing from a ranking gets nothing from it). A chunk
whose name the statement mentions earns a bonus worth up to one first place (half of that
through its class, or its file's path); chunks of test files count half, since localization
is about source, though tests stay as examples. The context is the repo-map outline, then
the best chunks that fit the budget. Everything is sorted with explicit tie-breaks, so the
same checkout and statement always give the same context.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from proctor.repo import is_test_path
from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.bm25 import BM25Index, chunk_document, rank_by_scores
from proctor.retrieval.mentions import Mentions, extract_mentions
from proctor.retrieval.parse import ParseCache, ParsedFile, parse_repo
from proctor.retrieval.render import fit_chunks
from proctor.retrieval.repomap import RepoMap, build_repo_map, render_outline


@dataclass(frozen=True)
class HybridSettings:
    """Knobs of the hybrid ranking."""

    rrf_k: float = 60.0
    """Reciprocal rank fusion constant (60, as proposed by Cormack et al., 2009)."""
    mention_bonus: float = 1.0
    """Bonus for a chunk the statement names, in units of one first place."""
    test_weight: float = 0.5
    """Factor on the fused score of chunks in test files."""
    map_share: float = 0.125
    """Share of the budget the repo-map outline may take..."""
    map_cap: int = 1024
    """...and at most this many tokens."""


@dataclass(frozen=True)
class Ranking:
    """Every chunk of a repository ranked for one statement, with the repo map behind it."""

    chunks: tuple[Chunk, ...]
    """Best first; ``score`` is the fused score."""
    repo_map: RepoMap
    files: tuple[ParsedFile, ...]
    mentions: Mentions


def _mention(
    chunk: Chunk, mentions: Mentions, homonyms: Mapping[str, int], by_path: float
) -> float:
    """How surely the statement names ``chunk``: its own name, an enclosing class, its path.

    A name many chunks share (``get``) says less about each of them: the weight is divided
    by the square root of how many chunks have that short name.
    """
    parts = chunk.name.split(".") if chunk.kind != "module" else chunk.name.split(", ")
    own = mentions.weight(parts[-1]) / homonyms.get(parts[-1], 1) ** 0.5 if parts else 0.0
    outer = max((mentions.weight(p) / homonyms.get(p, 1) ** 0.5 for p in parts[:-1]), default=0.0)
    return max(own, outer / 2, by_path / 2)


def _positions(order: Sequence[int]) -> dict[int, int]:
    return {index: rank for rank, index in enumerate(order, start=1)}


def rank_chunks(
    files: Sequence[ParsedFile], statement: str, settings: HybridSettings | None = None
) -> Ranking:
    """Rank every chunk of ``files`` for ``statement`` (pure: no file is read)."""
    settings = settings or HybridSettings()
    known = {d.short_name for f in files for d in f.definitions}
    mentions = extract_mentions(statement, known)
    repo_map = build_repo_map(files, mentions)
    chunks = [c for f in files for c in f.chunks]
    keys = [(c.path, c.start_line) for c in chunks]
    bm25 = BM25Index(chunk_document(c) for c in chunks).scores(statement)
    by_text = _positions(rank_by_scores(bm25, keys))
    node_ranks = repo_map.chunk_ranks
    map_order = sorted(
        (i for i in range(len(chunks)) if node_ranks[i] > 0),
        key=lambda i: (-node_ranks[i], keys[i]),
    )
    by_map = _positions(map_order)
    homonyms = Counter(c.name.rsplit(".", 1)[-1] for c in chunks if c.kind != "module")
    k = settings.rrf_k
    scored: list[Chunk] = []
    tests = {f.path for f in files if is_test_path(f.path)}
    by_path = {f.path: mentions.path_weight(f.path) for f in files}
    for index, chunk in enumerate(chunks):
        fused = sum(1.0 / (k + ranks[index]) for ranks in (by_text, by_map) if index in ranks)
        fused += (
            settings.mention_bonus
            * _mention(chunk, mentions, homonyms, by_path[chunk.path])
            / (k + 1)
        )
        if chunk.path in tests:
            fused *= settings.test_weight
        # Chunk(...) rather than dataclasses.replace: five times faster on 10,000 chunks
        scored.append(
            Chunk(
                chunk.path,
                chunk.start_line,
                chunk.end_line,
                chunk.text,
                chunk.kind,
                chunk.name,
                fused,
            )
        )
    scored.sort(key=lambda c: (-c.score, c.path, c.start_line, c.name))
    return Ranking(tuple(c for c in scored if c.score > 0), repo_map, tuple(files), mentions)


def context_for(
    ranking: Ranking, budget_tokens: int, settings: HybridSettings | None = None
) -> Context:
    """The repo-map outline and the best chunks of ``ranking`` within ``budget_tokens``."""
    settings = settings or HybridSettings()
    map_budget = min(settings.map_cap, int(budget_tokens * settings.map_share))
    outline = render_outline(
        ranking.repo_map, ranking.files, map_budget, test_weight=settings.test_weight
    )
    return fit_chunks(ranking.chunks, budget_tokens, outline)


class HybridRetriever:
    """Chunks ranked by BM25 and repo-map PageRank together, with a repo-map outline."""

    name = "hybrid"

    def __init__(
        self, settings: HybridSettings | None = None, cache: ParseCache | None = None
    ) -> None:
        self.settings = settings or HybridSettings()
        self.cache = cache

    def rank(self, statement: str, checkout: Path) -> Ranking:
        """Every chunk of the checkout ranked for ``statement``."""
        return rank_chunks(parse_repo(checkout, self.cache), statement, self.settings)

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The outline and the best chunks for ``statement`` within ``budget_tokens``."""
        return context_for(self.rank(statement, checkout), budget_tokens, self.settings)
