"""Benchmark: ideas for multi-function fixes tried on the tune part only, and not kept.

Each idea changes the final hybrid ranking in one way, measured alone against the default
(function recall@1/5/10 over targets, mean@5 over tasks), on the ``tune`` part of the suite
(``proctor.retrieval.split_by_repo``); none is in ``proctor.retrieval``, since none paid:

* per-file caps in the top 10 (diversity: at most n chunks of one file);
* the best file's chunks times (1 + beta) (concentrate on the top file);
* a file score (sum of its best 3 chunks) added to each chunk (grouping);
* a churn prior: chunks of functions that changed often in the last N commits before the
  base (history) count up to (1 + w) times more;
* BM25 ``k1``/``b`` other than bm25s' defaults (1.5, 0.75).

Run from the repository root (offline: the mirrors are in repos/)::

    .venv/bin/python benchmarks/retrieval_ideas.py --suite tasks/main --repos-dir repos
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s  # type: ignore[import-untyped]
from benchmarks.retrieval import Prepared, prepare, recall_cells

import proctor.retrieval.bm25 as bm25_module
import proctor.retrieval.hybrid as hybrid_module
from proctor.retrieval import Chunk, HybridSettings, rank_chunks, split_by_repo
from proctor.retrieval.localization import score_ranking
from proctor.retrieval.past import key
from proctor.spec import load_suite

Post = Callable[[list[Chunk]], list[Chunk]]


def row(data: Sequence[Prepared], rankings: Sequence[list[Chunk]], post: Post) -> str:
    """func@1/5/10 over targets and mean@5 over tasks of ``post`` applied to each ranking."""
    return recall_cells(
        score_ranking(item.task.id, item.targets, post(ranked), {})
        for item, ranked in zip(data, rankings, strict=True)
    )


def rank_all(data: Sequence[Prepared]) -> list[list[Chunk]]:
    """The default hybrid's ranking of every task (units only)."""
    return [
        [c for c in rank_chunks(d.files, d.task.problem_statement).chunks if c.kind != "map"]
        for d in data
    ]


def cap(n: int) -> Post:
    def post(ranked: list[Chunk]) -> list[Chunk]:
        top: list[Chunk] = []
        per: Counter[str] = Counter()
        for chunk in ranked:
            if per[chunk.path] < n and len(top) < 10:
                top.append(chunk)
                per[chunk.path] += 1
        return top + [c for c in ranked if c not in top]

    return post


def concentrate(beta: float) -> Post:
    def post(ranked: list[Chunk]) -> list[Chunk]:
        best = ranked[0].path if ranked else ""
        return sorted(ranked, key=lambda c: -c.score * (1 + beta if c.path == best else 1))

    return post


def grouped(beta: float) -> Post:
    def post(ranked: list[Chunk]) -> list[Chunk]:
        per: dict[str, list[float]] = {}
        for chunk in ranked:
            per.setdefault(chunk.path, []).append(chunk.score)
        files = {p: sum(sorted(v, reverse=True)[:3]) for p, v in per.items()}
        top = max(files.values(), default=1.0) or 1.0
        return sorted(ranked, key=lambda c: -(c.score + beta * files[c.path] / top))

    return post


def churn_rankings(data: Sequence[Prepared], recent: int, weight: float) -> list[list[Chunk]]:
    """Rankings with the churn prior (changes in the last ``recent`` commits before base)."""
    original = hybrid_module._prior
    out = []
    for item in data:
        counts = Counter(f for c in item.history.commits[:recent] for f in c.functions)
        most = math.log1p(max(counts.values(), default=1))

        def prior(
            chunk: Chunk,
            settings: HybridSettings,
            counts: Counter[tuple[str, str]] = counts,
            most: float = most,
        ) -> float:
            found = key(chunk)
            share = math.log1p(counts.get(found, 0)) / most if found else 0.0
            return original(chunk, settings) * (1 + weight * share)

        hybrid_module._prior = prior  # type: ignore[assignment]
        try:
            out += rank_all([item])
        finally:
            hybrid_module._prior = original
    return out


def bm25_rankings(data: Sequence[Prepared], k1: float, b: float) -> list[list[Chunk]]:
    """Rankings with BM25 parameters ``k1`` and ``b`` (chunk and file indexes alike)."""
    original = bm25s.BM25
    bm25_module.bm25s.BM25 = lambda: original(k1=k1, b=b)
    try:
        return rank_all(data)
    finally:
        bm25_module.bm25s.BM25 = original


def main() -> None:
    """Print one row per idea, on the tune part."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/main"))
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    args = parser.parse_args()
    tune = split_by_repo(load_suite(args.suite))["tune"]
    with tempfile.TemporaryDirectory(prefix="proctor-bench-ideas-") as tmp:
        data = prepare(tune, args.repos_dir, Path(tmp))
    base = rank_all(data)
    print("| idea (tune part) | func@1 | func@5 | func@10 | mean@5 |\n|---|---|---|---|---|")
    print(f"| default hybrid | {row(data, base, lambda r: r)} |", flush=True)
    for n in (2, 3, 4):
        print(f"| at most {n} chunks of a file in the top 10 | {row(data, base, cap(n))} |")
    for beta in (0.05, 0.2, 0.4):
        print(f"| best file's chunks x (1 + {beta}) | {row(data, base, concentrate(beta))} |")
    for beta in (0.2, 0.4, 0.8):
        print(f"| + {beta} x file score (best 3 chunks) | {row(data, base, grouped(beta))} |")
    for recent, weight in ((200, 0.1), (200, 0.3), (1000, 0.1), (1000, 0.3)):
        churned = churn_rankings(data, recent, weight)
        cells = row(data, churned, lambda r: r)
        print(f"| churn prior, last {recent} commits, w={weight} | {cells} |", flush=True)
    for k1, b in ((1.2, 0.75), (2.0, 0.75), (1.5, 0.5), (1.5, 0.9)):
        print(
            f"| BM25 k1={k1}, b={b} | {row(data, bm25_rankings(data, k1, b), lambda r: r)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
