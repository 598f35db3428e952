"""Identifier-aware BM25 with weighted query terms, and the hybrid's priors."""

from __future__ import annotations

from pathlib import Path

from proctor.retrieval import HybridSettings, ParseCache, parse_repo, rank_chunks
from proctor.retrieval.lexical import WeightedBM25, dotted_tokens, query_weights, tokens


def test_dotted_paths_keep_themselves_besides_their_parts() -> None:
    assert dotted_tokens("pkg.url.safeUrl") == [
        *("pkg", "url", "safeurl", "safe", "url"),
        *("pkg.url", "pkg.url.safeurl"),
    ]
    assert dotted_tokens("pkg.url", dotted=False) == ["pkg", "url"]
    assert tokens("call get_name() now") == ["call", "get_name", "get", "name", "now"]


def test_query_tokens_of_defined_names_weigh_more() -> None:
    weights = query_weights("parse_date fails to parse", {"parse_date"}, 3.0)
    assert weights["parse_date"] == 3.0 and weights["date"] == 3.0
    assert weights["parse"] == 3.0 + 1.0  # once from parse_date, once as a plain word
    assert weights["fails"] == 1.0
    assert query_weights("parse_date", {"parse_date"}, 1.0)["parse_date"] == 1.0


def test_weights_scale_the_scores() -> None:
    index = WeightedBM25(["alpha beta", "beta gamma", "delta"])
    plain = index.scores({"alpha": 1.0, "gamma": 1.0})
    assert plain[0] > 0 and plain[1] > 0 and plain[2] == 0
    tilted = index.scores({"alpha": 1.0, "gamma": 3.0})
    assert tilted[1] > tilted[0]
    assert not index.scores({"missing": 1.0}).any()


def test_fixes_are_looked_for_in_the_package_before_tests_examples_and_stubs(
    tmp_path: Path,
) -> None:
    files = {
        "pkg/core.py": "from typing import overload\n\n"
        "@overload\ndef render_label(x: int) -> str: ...\n\n"
        "def render_label(x):\n    return str(x)\n",
        "tests/test_core.py": "def test_render_label():\n    render_label(1)\n",
        "examples/demo.py": "def render_label_demo():\n    render_label(2)\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    parsed = parse_repo(tmp_path, ParseCache())
    statement = "`render_label` breaks on negative numbers"
    ranked = rank_chunks(parsed, statement).chunks
    assert (ranked[0].path, ranked[0].start_line) == ("pkg/core.py", 6)  # the implementation
    flat = HybridSettings(test_weight=1, aside_weight=1, stub_weight=1, class_weight=1)
    unweighted = [c.path for c in rank_chunks(parsed, statement, flat).chunks]
    weighted = [c.path for c in ranked]
    assert weighted.index("tests/test_core.py") >= unweighted.index("tests/test_core.py")
    stub = next(i for i, c in enumerate(ranked) if c.start_line == 3)
    assert stub > 0
