"""The hybrid retriever: identifier-aware BM25 over chunks and files, with what the statement
names, the repo map's PageRank, priors on where fixes live, and a reranker over the top 50.

A chunk's score (:func:`rank_chunks`) adds, each term normalized to its best chunk:

* BM25 of the chunk (:mod:`~proctor.retrieval.lexical`: identifiers whole and in their
  snake/camel parts; optionally dotted paths kept whole and query tokens of identifiers the
  repository defines weighted up, both off since they did not pay on the tuning repositories),
  plus a share of the BM25 of its whole file (hierarchical localization: a chunk of the right
  file wins ties);
* a bonus when the statement names the chunk, its class or its file's path;
* a share of its personalized PageRank in the repo map (:mod:`~proctor.retrieval.repomap`);
* optionally (off by default: it did not pay on the tuning repositories), a share by rank of
  its similarity to the statement under a small local embedding model
  (:mod:`~proctor.retrieval.embed`, the ``embed`` extra).

The sum is then multiplied by priors: chunks of tests, of examples/docs/scripts, ``@overload``
stubs, class outlines and module statements count less, since fixes live in functions of the
package. Optionally the neighbours of the top hits (callers, callees, class and methods) gain
a share of their score; last, the top 50 gain by the share of the statement's code names they
use. Each signal can be switched off (:class:`HybridSettings`) for the benchmark's ablation.
The context is the repo-map outline, then the best chunks that fit the budget. Everything is
sorted with explicit tie-breaks, so the same checkout and statement always give the same
context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from proctor.repo import is_test_path
from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.embed import EmbeddingCache, similarities
from proctor.retrieval.history import History
from proctor.retrieval.lexical import WeightedBM25, chunk_text, query_weights
from proctor.retrieval.mentions import Mentions, extract_mentions, module_path
from proctor.retrieval.parse import ParseCache, ParsedFile, parse_repo
from proctor.retrieval.past import cochange, similar_fixes
from proctor.retrieval.render import fit_chunks
from proctor.retrieval.repomap import Graph, RepoMap, build_graph, build_repo_map, render_outline


@dataclass(frozen=True)
class HybridSettings:
    """Knobs of the hybrid ranking; each signal can be turned off (0, or False) on its own."""

    dotted: bool = False
    """Dotted paths keep themselves as tokens (``w3lib.url``), besides their parts (off: on
    the tuning repositories it cost 0.8 points of function recall@5)."""
    defined_boost: float = 1.0
    """Weight of query tokens of identifiers the repository defines (1: no weighting; 2 cost
    0.8 points of function recall@5 on the tuning repositories, so it is off)."""
    file_weight: float = 0.5
    """Share of the file's own BM25 score (whole file as one text) in each chunk's score."""
    mention_bonus: float = 0.5
    """Bonus for a chunk the statement names, in units of the best BM25 score."""
    map_weight: float = 0.25
    """Share of the repo map's personalized PageRank (normalized to its best chunk)."""
    structure: float = 0.0
    """Share of the best top hit's score given to its callers, callees, class and methods
    (off: on the tuning repositories it cost 3.5 points of function recall@10)."""
    structure_top: int = 10
    """Top hits whose neighbours get the structure bonus."""
    rerank_top: int = 50
    """Chunks the reranker reorders..."""
    rerank_weight: float = 0.5
    """...adding this much times the share of the statement's code names the chunk uses."""
    test_weight: float = 0.1
    """Factor on the score of chunks in test files..."""
    aside_weight: float = 0.2
    """...in examples, docs, benchmarks and scripts folders, and setup.py/noxfile.py..."""
    stub_weight: float = 0.2
    """...of ``@overload`` stubs (the implementation follows them)..."""
    class_weight: float = 0.2
    """...of class chunks (header and signatures: methods are their own chunks)..."""
    module_weight: float = 0.5
    """...and of module chunks (top-level statements)."""
    fix_weight: float = 0.0
    """Bonus for what the past commits most like the statement changed (history up to the
    base commit; :func:`~proctor.retrieval.past.similar_fixes`), in units of the best BM25
    score."""
    fix_top: int = 10
    """Past commits that lend the bonus..."""
    fix_file_share: float = 0.5
    """...and the share of it a chunk gets for its file (besides its own function's)."""
    cochange_weight: float = 0.0
    """Share of the best hit's score given to functions that changed together with the top
    hits in past commits (:func:`~proctor.retrieval.past.cochange`)."""
    cochange_top: int = 5
    """Top hits whose co-changed functions get the bonus."""
    embed_weight: float = 0.0
    """Share of a small local embedding model's similarity to the statement
    (:mod:`~proctor.retrieval.embed`, the optional ``embed`` extra), fused by rank: a chunk
    ranked ``r``-th (from 0) by similarity gains ``embed_weight * embed_k / (embed_k + r)``.
    Off (0) by default; on, it needs the extra."""
    embed_k: float = 60.0
    """The rank constant of that fusion (reciprocal rank fusion's ``k``)."""
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


_ASIDE_DIRS = frozenset({"examples", "example", "docs", "doc", "benchmarks", "scripts", "tools"})
_ASIDE_FILES = frozenset({"setup.py", "noxfile.py", "conftest.py", "fabfile.py", "tasks.py"})
_OVERLOAD = re.compile(r"^\s*@(?:typing\.|t\.)?overload\b", re.M)


def _prior(chunk: Chunk, settings: HybridSettings) -> float:
    """How likely a fix lives in ``chunk``, before the statement is read: a factor."""
    factor = 1.0
    parts = chunk.path.split("/")
    if is_test_path(chunk.path):
        factor *= settings.test_weight
    elif parts[0] in _ASIDE_DIRS or parts[-1] in _ASIDE_FILES:
        factor *= settings.aside_weight
    if chunk.kind == "class":
        factor *= settings.class_weight
    elif chunk.kind == "module":
        factor *= settings.module_weight
    elif _OVERLOAD.search(chunk.text.split("def ", 1)[0]):
        factor *= settings.stub_weight
    return factor


def _normalized(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros(len(values))


def _lexical(
    files: Sequence[ParsedFile],
    chunks: Sequence[Chunk],
    statement: str,
    settings: HybridSettings,
) -> npt.NDArray[np.float64]:
    """BM25 of every chunk (normalized), plus the share of its file's BM25 score."""
    defined = {d.short_name for f in files for d in f.definitions}
    weights = query_weights(statement, defined, settings.defined_boost, settings.dotted)
    docs = (chunk_text(c, settings.dotted) for c in chunks)
    score = _normalized(WeightedBM25(docs, settings.dotted).scores(weights))
    if settings.file_weight > 0 and files:
        texts = (f"{f.path} {module_path(f.path).replace('/', '.')}\n{f.text}" for f in files)
        by_file = _normalized(WeightedBM25(texts, settings.dotted).scores(weights))
        per_path = {f.path: float(by_file[i]) for i, f in enumerate(files)}
        score = score + settings.file_weight * np.array([per_path[c.path] for c in chunks])
    return score


def _neighbours(graph: Graph, chunks: Sequence[Chunk], node: int) -> set[int]:
    """Chunks that ``node`` uses or that use it, its class and its class's methods."""
    out = set(graph.target[graph.source == node].tolist())
    out |= set(graph.source[graph.target == node].tolist())
    name, path = chunks[node].name, chunks[node].path
    outer = name.rsplit(".", 1)[0] if "." in name else name
    for index, other in enumerate(chunks):
        if other.path == path and (other.name == outer or other.name.startswith(f"{name}.")):
            out.add(index)
    out.discard(node)
    return out


def _structure(
    graph: Graph, chunks: Sequence[Chunk], score: npt.NDArray[np.float64], settings: HybridSettings
) -> npt.NDArray[np.float64]:
    """Each neighbour of a top hit gets ``structure`` times the best such hit's score."""
    top = sorted(range(len(chunks)), key=lambda i: -score[i])[: settings.structure_top]
    bonus = np.zeros(len(chunks))
    for hit in top:
        if score[hit] <= 0:
            continue
        for other in _neighbours(graph, chunks, hit):
            bonus[other] = max(bonus[other], settings.structure * float(score[hit]))
    return score + bonus


def _rerank(
    files: Sequence[ParsedFile],
    mentions: Mentions,
    score: npt.NDArray[np.float64],
    settings: HybridSettings,
) -> npt.NDArray[np.float64]:
    """The best ``rerank_top`` chunks gain by how many of the statement's code names they use."""
    named = {n: w for n, w in mentions.names.items() if w >= 1.0}
    if not named:
        return score
    references = [r for f in files for r in f.references]
    top = sorted(range(len(score)), key=lambda i: -score[i])[: settings.rerank_top]
    total = sum(named.values())
    out = score.copy()
    for index in top:
        used = sum(w for n, w in named.items() if n in references[index])
        out[index] += settings.rerank_weight * used / total
    return out


def by_rank(values: npt.NDArray[np.float64], k: float) -> npt.NDArray[np.float64]:
    """``k / (k + r)`` for the value ranked ``r``-th (from 0, highest first; ties by index)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return np.asarray(k / (k + ranks), dtype=np.float64)


def rank_chunks(
    files: Sequence[ParsedFile],
    statement: str,
    settings: HybridSettings | None = None,
    history: History | None = None,
    similarity: npt.NDArray[np.float64] | None = None,
) -> Ranking:
    """Rank every chunk of ``files`` for ``statement`` (pure: no file is read), with the
    signals of ``history`` (the commits up to the base) and ``similarity`` (each chunk's
    embedding similarity to the statement, :func:`~proctor.retrieval.embed.similarities`)
    when given."""
    settings = settings or HybridSettings()
    known = {d.short_name for f in files for d in f.definitions}
    mentions = extract_mentions(statement, known)
    graph = build_graph(files, mentions)
    repo_map = build_repo_map(files, mentions, graph)
    chunks = [c for f in files for c in f.chunks]
    lexical = _lexical(files, chunks, statement, settings)
    score = lexical.copy()
    if settings.map_weight > 0:
        score += settings.map_weight * _normalized(np.array(repo_map.chunk_ranks))
    homonyms = Counter(c.name.rsplit(".", 1)[-1] for c in chunks if c.kind != "module")
    by_path = {f.path: mentions.path_weight(f.path) for f in files}
    if settings.mention_bonus > 0:
        score += settings.mention_bonus * np.array(
            [_mention(c, mentions, homonyms, by_path[c.path]) for c in chunks]
        )
    if history is not None and settings.fix_weight > 0:
        weights = query_weights(statement, known, 1.0, dotted=False)
        fixes = similar_fixes(history, weights, chunks, settings.fix_top, settings.fix_file_share)
        score += settings.fix_weight * fixes
    if similarity is not None and settings.embed_weight > 0 and len(chunks):
        score += settings.embed_weight * by_rank(similarity, settings.embed_k)
    priors = np.array([_prior(c, settings) for c in chunks])
    score *= priors
    if history is not None and settings.cochange_weight > 0:
        together = cochange(history, chunks, score, settings.cochange_top)
        score += settings.cochange_weight * float(score.max()) * together * priors
    if settings.structure > 0:
        score = _structure(graph, chunks, score, settings)
    if settings.rerank_weight > 0:
        score = _rerank(files, mentions, score, settings)
    scored = [
        # Chunk(...) rather than dataclasses.replace: five times faster on 10,000 chunks
        Chunk(c.path, c.start_line, c.end_line, c.text, c.kind, c.name, float(score[i]))
        for i, c in enumerate(chunks)
    ]
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
    """Chunks ranked by BM25 and repo-map PageRank together, with a repo-map outline.

    With history signals on (:class:`HybridSettings` ``fix_weight``/``cochange_weight``) it
    reads the history up to the base commit when :func:`~proctor.retrieval.pertask.for_task`
    gives it one (:meth:`with_history`); without one those signals are silent. With the
    embedding signal on (``embed_weight``) it embeds the checkout's chunks with the ``embed``
    extra's model, through ``embeddings`` (the on-disk cache by default).
    """

    name = "hybrid"

    def __init__(
        self,
        settings: HybridSettings | None = None,
        cache: ParseCache | None = None,
        history: History | None = None,
        embeddings: EmbeddingCache | None = None,
    ) -> None:
        self.settings = settings or HybridSettings()
        self.cache = cache
        self.history = history
        self.embeddings = embeddings

    @property
    def reads_history(self) -> bool:
        """Whether a history signal is on."""
        return self.settings.fix_weight > 0 or self.settings.cochange_weight > 0

    def with_history(self, history: History) -> HybridRetriever:
        """The same retriever, reading ``history`` (commits up to the base only)."""
        return HybridRetriever(self.settings, self.cache, history, self.embeddings)

    def rank(self, statement: str, checkout: Path) -> Ranking:
        """Every chunk of the checkout ranked for ``statement``.

        Raises:
            ConfigError: the embedding signal is on and the ``embed`` extra is not installed.
        """
        files = parse_repo(checkout, self.cache)
        similarity = None
        if self.settings.embed_weight > 0:
            chunks = [c for f in files for c in f.chunks]
            similarity = similarities(chunks, statement, self.embeddings)
        return rank_chunks(files, statement, self.settings, self.history, similarity)

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The outline and the best chunks for ``statement`` within ``budget_tokens``."""
        return context_for(self.rank(statement, checkout), budget_tokens, self.settings)

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``, from one ranking."""
        ranking = self.rank(statement, checkout)
        return [context_for(ranking, b, self.settings) for b in budgets]
