"""Retrievers by name: the built-ins, then the ``proctor.retrievers`` entry points.

Entry points are read only when a name is not built in, so a broken third-party package
cannot stop a run that never asked for its retriever.
"""

from __future__ import annotations

from collections.abc import Callable

from proctor.errors import ConfigError
from proctor.plugins import load_plugin, plugin_names, unknown_name
from proctor.retrieval.base import Retriever
from proctor.retrieval.bm25 import ChunkBM25Retriever, FileBM25Retriever
from proctor.retrieval.hybrid import HybridRetriever
from proctor.retrieval.oracle import OracleRetriever

ENTRY_POINT_GROUP = "proctor.retrievers"
"""Entry-point group where a package registers a retriever: ``name = "module:factory"``."""

RETRIEVERS: dict[str, Callable[[], Retriever]] = {
    HybridRetriever.name: HybridRetriever,
    ChunkBM25Retriever.name: ChunkBM25Retriever,
    FileBM25Retriever.name: FileBM25Retriever,
    OracleRetriever.name: OracleRetriever,
}
"""Every retriever proctor ships, by name."""


def available_retrievers() -> list[str]:
    """Names of every retriever: the built-ins and those installed packages register."""
    return sorted({*RETRIEVERS, *plugin_names(ENTRY_POINT_GROUP)})


def get_retriever(name: str) -> Retriever:
    """A new retriever called ``name``.

    Raises:
        ConfigError: no retriever has that name, or what its entry point gives is no
            retriever.
    """
    factory = RETRIEVERS.get(name) or load_plugin(ENTRY_POINT_GROUP, name, kind="retriever")
    if factory is None:
        raise ConfigError(unknown_name("retriever", name, available_retrievers()))
    retriever = factory()
    if not isinstance(retriever, Retriever):
        raise ConfigError(f"retriever {name}: {retriever!r} does not implement proctor's Retriever")
    return retriever
