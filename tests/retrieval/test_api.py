"""The public API of proctor.retrieval."""

from __future__ import annotations

import pytest

import proctor.retrieval as retrieval
from proctor.errors import ConfigError


def test_all_is_pinned() -> None:
    assert retrieval.__all__ == [
        "ENTRY_POINT_GROUP",
        "EVAL_SPLITS",
        "RETRIEVERS",
        "Chunk",
        "ChunkBM25Retriever",
        "Context",
        "Definition",
        "Evaluation",
        "FileBM25Retriever",
        "HybridRetriever",
        "HybridSettings",
        "Mentions",
        "ParseCache",
        "ParsedFile",
        "Ranking",
        "Recall",
        "RepoMap",
        "Retriever",
        "Target",
        "available_retrievers",
        "build_repo_map",
        "estimate_tokens",
        "evaluate",
        "extract_mentions",
        "file_recall",
        "format_table",
        "function_recall",
        "get_retriever",
        "gold_targets",
        "pagerank",
        "parse_repo",
        "parse_source",
        "rank_chunks",
        "read_base_sources",
        "render_context",
        "split_by_repo",
        "tokenize",
    ]
    assert all(hasattr(retrieval, name) for name in retrieval.__all__)


def test_retrievers_by_name() -> None:
    for name in ("hybrid", "bm25", "bm25-files"):
        retriever = retrieval.get_retriever(name)
        assert retriever.name == name and isinstance(retriever, retrieval.Retriever)
    with pytest.raises(
        ConfigError, match="unknown retriever 'nope' \\(available: bm25, bm25-files, hybrid\\)"
    ):
        retrieval.get_retriever("nope")
