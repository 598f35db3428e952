"""Signals from the history up to the base commit (:mod:`~proctor.retrieval.history`).

* :func:`similar_fixes`: past commits whose messages resemble the statement (BM25 of each
  message for the statement's tokens) lend a bonus to the functions and files they changed,
  by how much they resemble it and less for commits that changed many things;
* :func:`cochange`: functions that changed together with the best hits of a ranking (in
  commits that changed a few functions) gain the share of the hit's changes they were in.

A function is known to history by (path, short name), so every chunk of that name in that
file shares its credit. Both return one value per chunk, 0 to 1 (1: the best chunk).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from proctor.retrieval.base import Chunk
from proctor.retrieval.history import History, PastCommit
from proctor.retrieval.lexical import WeightedBM25

Key = tuple[str, str]
"""(path, short name) of a function."""

MAX_FUNCTIONS = 20
"""Commits that changed more functions than this (refactors, reformatting) are left out."""


def key(chunk: Chunk) -> Key | None:
    """The history key of a function chunk; None for other units."""
    if chunk.kind != "function":
        return None
    return chunk.path, chunk.name.rsplit(".", 1)[-1]


def _normalized(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros(len(values))


def _small(history: History) -> list[PastCommit]:
    return [c for c in history.commits if 0 < len(c.functions) <= MAX_FUNCTIONS]


def similar_fixes(
    history: History,
    weights: Mapping[str, float],
    chunks: Sequence[Chunk],
    top: int,
    file_share: float,
) -> npt.NDArray[np.float64]:
    """Per chunk: the credit of the ``top`` past commits most like the statement.

    A commit's credit is its BM25 score for the query ``weights`` (normalized to the best
    commit), spread over the functions it changed (divided by the square root of their
    number); a chunk gets the credit of its function plus ``file_share`` times that of its
    file (spread over the commit's files the same way).
    """
    commits = _small(history)
    if not commits or not chunks:
        return np.zeros(len(chunks))
    scores = WeightedBM25((c.message for c in commits), dotted=False).scores(weights)
    order = [i for i in np.argsort(-scores, kind="stable")[:top] if scores[i] > 0]
    if not order:
        return np.zeros(len(chunks))
    best = float(scores[order[0]])
    by_function: Counter[Key] = Counter()
    by_file: Counter[str] = Counter()
    for index in order:
        commit, credit = commits[index], float(scores[index]) / best
        for function in commit.functions:
            by_function[function] += credit / len(commit.functions) ** 0.5
        for path in commit.paths:
            by_file[path] += credit / len(commit.paths) ** 0.5
    own = np.array([by_function.get(k, 0.0) if (k := key(c)) else 0.0 for c in chunks])
    files = np.array([by_file.get(c.path, 0.0) for c in chunks])
    return _normalized(_normalized(own) + file_share * _normalized(files))


def cochange(
    history: History, chunks: Sequence[Chunk], score: npt.NDArray[np.float64], top: int
) -> npt.NDArray[np.float64]:
    """Per chunk: how often it changed with one of the ``top`` chunks of ``score``.

    For each of those hits that history knows, every function that changed in the same
    commits gets the share of the hit's commits it was in, times the hit's score relative
    to the best hit; a chunk keeps the largest such value.
    """
    order = [int(i) for i in np.argsort(-score, kind="stable")[:top] if score[i] > 0]
    if not order:
        return np.zeros(len(chunks))
    seeds = {k: float(score[i]) / float(score[order[0]]) for i in order if (k := key(chunks[i]))}
    together: dict[Key, Counter[Key]] = defaultdict(Counter)
    changes: Counter[Key] = Counter()
    for commit in _small(history):
        touched = [f for f in commit.functions if f in seeds]
        for seed in touched:
            changes[seed] += 1
            together[seed].update(f for f in commit.functions if f != seed)
    best: dict[Key, float] = {}
    for seed, counts in together.items():
        for other, count in counts.items():
            value = seeds[seed] * count / changes[seed]
            best[other] = max(best.get(other, 0.0), value)
    return np.array([best.get(k, 0.0) if (k := key(c)) else 0.0 for c in chunks])
