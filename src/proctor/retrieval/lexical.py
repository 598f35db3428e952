"""Identifier-aware BM25 for localization, with weighted query terms.

The tokens of a word are those of :func:`~proctor.retrieval.bm25.word_tokens` (the identifier
lowercased, then its snake_case and camelCase parts). On top of them a dotted path keeps
itself: ``w3lib.url.safe_url_string`` in a statement also gives the tokens ``w3lib.url`` and
``w3lib.url.safe_url_string``, and a chunk's document carries its module's dotted path and
its qualified name under it, so a statement naming a module or a function by its full path
meets exactly that module or function.

Query terms are weighted (:func:`query_weights`): the tokens of an identifier the repository
defines weigh ``defined`` times more than those of other words. The baseline
(:class:`~proctor.retrieval.bm25.ChunkBM25Retriever`) does not use this module: it stays as
it was when the localization benchmark was set up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import numpy as np
import numpy.typing as npt

from proctor.retrieval.base import Chunk
from proctor.retrieval.bm25 import index_corpus, word_tokens
from proctor.retrieval.mentions import module_path

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def dotted_tokens(word: str, dotted: bool = True) -> list[str]:
    """Tokens of a possibly dotted word: each part's tokens, then the dotted prefixes.

    >>> dotted_tokens("pkg.url.safeUrl")
    ['pkg', 'url', 'safeurl', 'safe', 'url', 'pkg.url', 'pkg.url.safeurl']
    """
    parts = word.split(".")
    out = [t for part in parts for t in word_tokens(part)]
    if dotted and len(parts) > 1:
        lowered = [p.lower() for p in parts]
        out += [".".join(lowered[:end]) for end in range(2, len(parts) + 1)]
    return out


def tokens(text: str, dotted: bool = True) -> list[str]:
    """Identifier-aware tokens of ``text`` (see :func:`dotted_tokens`)."""
    out: list[str] = []
    for word in _WORD.findall(text):
        out += dotted_tokens(word, dotted)
    return out


def chunk_text(chunk: Chunk, dotted: bool = True) -> str:
    """What the index reads of a chunk: path, dotted module and qualified name, then text."""
    head = f"{chunk.path} {chunk.name}"
    if dotted:
        module = module_path(chunk.path).replace("/", ".")
        qualified = f"{module}.{chunk.name}" if chunk.kind in {"function", "class"} else ""
        head += f" {module} {qualified}"
    return f"{head}\n{chunk.text}"


def query_weights(
    statement: str, defined: Collection[str], boost: float, dotted: bool = True
) -> dict[str, float]:
    """Each query token's weight: its count, times ``boost`` for a defined identifier's tokens.

    Args:
        statement: the query.
        defined: short names the repository defines.
        boost: factor for tokens of a word the repository defines (1 turns weighting off).
        dotted: whether dotted paths keep themselves as tokens.
    """
    weights: dict[str, float] = {}
    for word in _WORD.findall(statement):
        factor = boost if any(part in defined for part in word.split(".")) else 1.0
        for token in dotted_tokens(word, dotted):
            weights[token] = weights.get(token, 0.0) + factor
    return weights


class WeightedBM25:
    """BM25 (bm25s, Lucene variant) over texts, scored for a weighted bag of query tokens."""

    def __init__(self, texts: Iterable[str], dotted: bool = True) -> None:
        self._model, self._vocab, self.size = index_corpus(
            texts, lambda word: dotted_tokens(word, dotted), _WORD
        )

    def scores(self, weights: Mapping[str, float]) -> npt.NDArray[np.float64]:
        """Sum over query tokens of weight x BM25 term score, for every text."""
        total = np.zeros(self.size)
        for token, weight in weights.items():
            index = self._vocab.get(token)
            if index is not None and weight > 0:
                total += weight * np.asarray(self._model.get_scores([index]), dtype=np.float64)
        return total
