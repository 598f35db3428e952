"""BM25 over code: a code-aware tokenizer, chunk retrieval, and the whole-file baseline.

:class:`FileBM25Retriever` is the classic SWE-bench retrieval baseline (whole files ranked by
BM25 with the problem statement as the query), given the same tokenizer as the chunk index
so that comparisons measure chunking and ranking, not tokenization.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import bm25s  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.parse import ParseCache, ParsedFile, parse_repo
from proctor.retrieval.render import fit_chunks

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STOP_TEXT = """a about after all also an and any are as at be been before but by can could do does
    doing done else for from had has have he her here how i if in into is it its just me more
    most my no nor not of on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    def return self cls import class elif pass lambda none true false"""
STOPWORDS = frozenset(_STOP_TEXT.split())
"""Words too common in English or Python to tell documents apart."""


@functools.lru_cache(maxsize=262_144)
def word_tokens(word: str) -> tuple[str, ...]:
    """Tokens of one identifier: itself lowercased, then its snake_case and camelCase parts.

    >>> word_tokens("TTLCache")
    ('ttlcache', 'ttl', 'cache')
    """
    whole = word.strip("_").lower()
    parts = [p.lower() for piece in word.split("_") for p in _PART.findall(piece)]
    out = [whole] if len(whole) > 1 and whole not in STOPWORDS else []
    out += [p for p in dict.fromkeys(parts) if p != whole and len(p) > 1 and p not in STOPWORDS]
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Code-aware tokens of ``text``: every identifier split by :func:`word_tokens`."""
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(word_tokens(word))
    return out


def index_corpus(
    texts: Iterable[str], split: Callable[[str], Iterable[str]], word: re.Pattern[str] = _WORD
) -> tuple[bm25s.BM25, dict[str, int], int]:
    """A bm25s index over ``texts`` (each ``word`` match cut into tokens by ``split``, once per
    distinct word), its vocabulary and the number of texts."""
    vocab: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    corpus: list[list[int]] = []
    for text in texts:
        ids: list[int] = []
        for found in word.findall(text):
            known = seen.get(found)
            if known is None:
                known = seen[found] = [vocab.setdefault(t, len(vocab)) for t in split(found)]
            ids += known
        corpus.append(ids)
    model = bm25s.BM25()
    if vocab:
        # Token ids made here spare bm25s a second pass over every token.
        model.index((corpus, dict(vocab)), show_progress=False)
    return model, vocab, len(corpus)


class BM25Index:
    """BM25 (bm25s, Lucene variant) over texts, tokenized with :func:`word_tokens`."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._model, self._vocab, self._size = index_corpus(texts, word_tokens)

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """The score of every text for the tokens of ``query`` (zeros if none is indexed)."""
        ids = [self._vocab[t] for t in tokenize(query) if t in self._vocab]
        if not ids:
            return np.zeros(self._size)
        return np.asarray(self._model.get_scores(ids), dtype=np.float64)


def chunk_document(chunk: Chunk) -> str:
    """What the index reads of a chunk: its path, its name and its text."""
    return f"{chunk.path} {chunk.name}\n{chunk.text}"


def rank_by_scores(scores: npt.NDArray[np.float64], keys: Sequence[tuple[str, int]]) -> list[int]:
    """Indices of documents with a positive score, best first; ties by ``keys`` (path, line)."""
    hits = [i for i in range(len(keys)) if scores[i] > 0]
    return sorted(hits, key=lambda i: (-float(scores[i]), keys[i]))


class ChunkBM25Retriever:
    """BM25 over function, class and module chunks; the statement is the query.

    Frozen: this is the baseline of the localization benchmark (issue 18), kept as it was
    when the benchmark was set up. Improvements go into the hybrid retriever, never here.
    """

    name = "bm25"

    def __init__(self, cache: ParseCache | None = None) -> None:
        self.cache = cache

    def rank(self, statement: str, checkout: Path) -> list[Chunk]:
        """Every chunk that shares a token with the statement, best first, with its score."""
        chunks = [c for f in parse_repo(checkout, self.cache) for c in f.chunks]
        scores = BM25Index(chunk_document(c) for c in chunks).scores(statement)
        order = rank_by_scores(scores, [(c.path, c.start_line) for c in chunks])
        return [replace(chunks[i], score=float(scores[i])) for i in order]

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The best chunks that fit in ``budget_tokens``."""
        return fit_chunks(self.rank(statement, checkout), budget_tokens)

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``, from one ranking."""
        ranked = self.rank(statement, checkout)
        return [fit_chunks(ranked, b) for b in budgets]


def file_chunk(parsed: ParsedFile, score: float = 0.0) -> Chunk:
    """A whole file as one chunk of kind ``file``."""
    return Chunk(parsed.path, 1, parsed.line_count, parsed.text, "file", "", score)


class FileBM25Retriever:
    """The baseline: whole Python files ranked by BM25 with the statement as the query."""

    name = "bm25-files"

    def __init__(self, cache: ParseCache | None = None) -> None:
        self.cache = cache

    def rank(self, statement: str, checkout: Path) -> list[Chunk]:
        """Every file that shares a token with the statement, best first, as ``file`` chunks."""
        files = parse_repo(checkout, self.cache)
        scores = BM25Index(f"{f.path}\n{f.text}" for f in files).scores(statement)
        order = rank_by_scores(scores, [(f.path, 0) for f in files])
        return [file_chunk(files[i], float(scores[i])) for i in order]

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """Whole files in rank order, each one that fits in what is left of the budget."""
        return fit_chunks(self.rank(statement, checkout), budget_tokens)

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``, from one ranking."""
        ranked = self.rank(statement, checkout)
        return [fit_chunks(ranked, b) for b in budgets]
