"""Retrievers by name, for the command line and run settings."""

from __future__ import annotations

from collections.abc import Callable

from proctor.errors import ConfigError
from proctor.retrieval.base import Retriever
from proctor.retrieval.bm25 import ChunkBM25Retriever, FileBM25Retriever
from proctor.retrieval.hybrid import HybridRetriever

RETRIEVERS: dict[str, Callable[[], Retriever]] = {
    HybridRetriever.name: HybridRetriever,
    ChunkBM25Retriever.name: ChunkBM25Retriever,
    FileBM25Retriever.name: FileBM25Retriever,
}
"""Every retriever proctor ships, by name."""


def get_retriever(name: str) -> Retriever:
    """A new retriever called ``name``.

    Raises:
        ConfigError: no retriever has that name.
    """
    factory = RETRIEVERS.get(name)
    if factory is None:
        known = ", ".join(sorted(RETRIEVERS))
        raise ConfigError(f"unknown retriever {name!r} (known: {known})")
    return factory()
