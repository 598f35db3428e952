"""PageRank over definitions, personalized by the statement, and the outline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from proctor.retrieval.mentions import Mentions, extract_mentions
from proctor.retrieval.parse import ParseCache, parse_repo
from proctor.retrieval.repomap import (
    Graph,
    build_graph,
    build_repo_map,
    pagerank,
    render_outline,
)
from proctor.retrieval.tokens import estimate_tokens


def test_the_file_defining_a_named_function_ranks_first_then_what_it_calls(
    shop: Path, statement: str
) -> None:
    files = parse_repo(shop, ParseCache())
    repo_map = build_repo_map(files, extract_mentions(statement))
    ranks = repo_map.file_ranks
    assert max(ranks, key=ranks.__getitem__) == "shop/pricing.py"
    assert ranks["shop/pricing.py"] > ranks["shop/money.py"] > ranks["shop/shipping.py"]
    assert abs(sum(ranks.values()) - 1.0) < 1e-6
    best = [(d.path, d.definition.name) for d in repo_map.definitions[:2]]
    assert best == [("shop/pricing.py", "apply_discount"), ("shop/money.py", "round_cents")]


def test_without_mentions_rank_goes_to_what_is_used(shop: Path) -> None:
    files = parse_repo(shop, ParseCache())
    scores = {d.definition.name: d.score for d in build_repo_map(files, Mentions()).definitions}
    # round_cents is used twice, apply_discount once, the others never
    assert scores["round_cents"] > scores["apply_discount"] > scores["parcel_label"]
    assert scores["parcel_label"] == scores["format_money"] == scores["total_price"]


def test_edges_go_from_users_to_definers_without_self_edges(shop: Path) -> None:
    files = parse_repo(shop, ParseCache())
    graph = build_graph(files, Mentions())
    chunks = [c for f in files for c in f.chunks]
    edges = {
        (chunks[s].name, chunks[t].name) for s, t in zip(graph.source, graph.target, strict=True)
    }
    assert ("apply_discount", "round_cents") in edges
    assert ("total_price", "round_cents") in edges
    assert ("test_apply_discount", "apply_discount") in edges
    assert all(s != t for s, t in zip(graph.source, graph.target, strict=True))
    assert graph.definers["round_cents"] == [
        chunks.index(next(c for c in chunks if c.name == "round_cents"))
    ]


def test_pagerank_follows_edges_and_returns_dangling_mass_to_the_seeds() -> None:
    # 0 -> 1 -> 2, 3 isolated; all teleport mass on 0
    graph = Graph(4, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]), {})
    ranks = pagerank(graph, np.array([1.0, 0.0, 0.0, 0.0]))
    assert abs(ranks.sum() - 1.0) < 1e-9
    assert ranks[0] > ranks[1] > ranks[2] > ranks[3] == 0.0
    uniform = pagerank(
        Graph(3, np.zeros(0, int), np.zeros(0, int), np.zeros(0), {}), np.full(3, 1 / 3)
    )
    assert np.allclose(uniform, 1 / 3)


def test_outline_lists_signatures_of_the_best_definitions_within_the_budget(
    shop: Path, statement: str
) -> None:
    files = parse_repo(shop, ParseCache())
    repo_map = build_repo_map(files, extract_mentions(statement))
    text = render_outline(repo_map, files, 1000)
    assert text.splitlines()[:2] == ["shop/pricing.py:", "  def apply_discount(price, percent):"]
    assert "  def round_cents(amount):" in text
    small = render_outline(repo_map, files, 20)
    assert estimate_tokens(small) <= 20
    assert small == "shop/pricing.py:\n  def apply_discount(price, percent):"
    assert render_outline(repo_map, files, 2) == ""
