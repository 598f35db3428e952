"""Context retrieval: which code of the repository a model gets to see.

A :class:`Retriever` turns a problem statement and a checkout into a :class:`Context`
within a token budget; :func:`render_context` is the text every agent shows for it, and
:func:`gold_targets` with :func:`function_recall` / :func:`file_recall` measure how much of
the code a reference change touches the context holds.
"""

from proctor.retrieval.base import Chunk, Context, Retriever
from proctor.retrieval.bm25 import ChunkBM25Retriever, FileBM25Retriever, tokenize
from proctor.retrieval.history import History, PastCommit, read_history
from proctor.retrieval.hybrid import HybridRetriever, HybridSettings, Ranking, rank_chunks
from proctor.retrieval.localization import SPLITS as EVAL_SPLITS
from proctor.retrieval.localization import Evaluation, evaluate, format_table, split_by_repo
from proctor.retrieval.mentions import Mentions, extract_mentions
from proctor.retrieval.oracle import ORACLE_HELP, OracleRetriever
from proctor.retrieval.parse import Definition, ParseCache, ParsedFile, parse_repo, parse_source
from proctor.retrieval.pertask import (
    UsesHistory,
    UsesReference,
    for_task,
    retrieve_budgets,
)
from proctor.retrieval.recall import (
    Recall,
    Target,
    file_recall,
    function_recall,
    gold_targets,
    read_base_sources,
)
from proctor.retrieval.registry import (
    ENTRY_POINT_GROUP,
    RETRIEVERS,
    available_retrievers,
    get_retriever,
)
from proctor.retrieval.render import render_context
from proctor.retrieval.repomap import RepoMap, build_repo_map, pagerank
from proctor.retrieval.tokens import estimate_tokens

__all__ = [
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
