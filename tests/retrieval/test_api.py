"""The public API of proctor.retrieval."""

from __future__ import annotations

import pytest

import proctor.retrieval as retrieval
from proctor.errors import ConfigError


def test_all_is_pinned() -> None:
    assert retrieval.__all__ == [
        "ENTRY_POINT_GROUP",
        "EVAL_SPLITS",
        "ORACLE_HELP",
        "RETRIEVERS",
        "Chunk",
        "ChunkBM25Retriever",
        "Context",
        "Definition",
        "Evaluation",
        "FileBM25Retriever",
        "History",
        "HybridRetriever",
        "HybridSettings",
        "Mentions",
        "OracleRetriever",
        "ParseCache",
        "ParsedFile",
        "PastCommit",
        "Ranking",
        "Recall",
        "RepoMap",
        "Retriever",
        "Target",
        "UsesHistory",
        "UsesReference",
        "available_retrievers",
        "build_repo_map",
        "estimate_tokens",
        "evaluate",
        "extract_mentions",
        "file_recall",
        "for_task",
        "format_table",
        "function_recall",
        "get_retriever",
        "gold_targets",
        "pagerank",
        "parse_repo",
        "parse_source",
        "rank_chunks",
        "read_base_sources",
        "read_history",
        "render_context",
        "retrieve_budgets",
        "split_by_repo",
        "tokenize",
    ]
    assert all(hasattr(retrieval, name) for name in retrieval.__all__)


def test_retrievers_by_name() -> None:
    for name in ("hybrid", "bm25", "bm25-files"):
        retriever = retrieval.get_retriever(name)
        assert retriever.name == name and isinstance(retriever, retrieval.Retriever)
    available = "bm25, bm25-files, hybrid, oracle"
    with pytest.raises(ConfigError, match=f"unknown retriever 'nope' \\(available: {available}\\)"):
        retrieval.get_retriever("nope")
