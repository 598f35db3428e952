"""The hybrid retriever: ranking, budgets and determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from proctor.retrieval import HybridRetriever, ParseCache, Retriever, render_context
from proctor.retrieval.render import MAP_TITLE
from proctor.retrieval.tokens import estimate_tokens


def test_the_named_function_comes_first_and_what_it_calls_soon_after(
    shop: Path, statement: str
) -> None:
    ranking = HybridRetriever(cache=ParseCache()).rank(statement, shop)
    names = [c.name for c in ranking.chunks]
    assert names[0] == "apply_discount"
    assert "round_cents" in names[:4]
    assert "parcel_label" not in names and "ShippingZone" not in names  # unrelated: no score
    assert names.index("apply_discount") < names.index("test_apply_discount")
    scores = [c.score for c in ranking.chunks]
    assert scores == sorted(scores, reverse=True)


def test_the_context_respects_every_budget(shop: Path, statement: str) -> None:
    retriever = HybridRetriever(cache=ParseCache())
    assert isinstance(retriever, Retriever)
    for budget in (1, 20, 60, 150, 400, 5000):
        context = retriever.retrieve(statement, shop, budget)
        text = render_context(context)
        assert estimate_tokens(text) == context.tokens <= budget, budget
    small = retriever.retrieve(statement, shop, 60)
    assert [c.name for c in small.chunks] == ["apply_discount"]
    large = retriever.retrieve(statement, shop, 5000)
    assert len(large.chunks) == sum(1 for _ in HybridRetriever().rank(statement, shop).chunks)
    assert large.repo_map.startswith("shop/pricing.py:")
    rendered = render_context(large)
    assert rendered.startswith(MAP_TITLE + "\nshop/pricing.py:\n")
    assert (
        "shop/pricing.py:6-8 (function apply_discount)\n```python\ndef apply_discount" in rendered
    )


def test_same_statement_same_context_even_across_hash_seeds(shop: Path, statement: str) -> None:
    first = HybridRetriever(cache=ParseCache()).retrieve(statement, shop, 300)
    assert HybridRetriever(cache=ParseCache()).retrieve(statement, shop, 300) == first
    script = (
        "import sys; from pathlib import Path; from proctor.retrieval import HybridRetriever, "
        "render_context; print(render_context(HybridRetriever().retrieve(sys.argv[1], "
        "Path(sys.argv[2]), 300)), end='')"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, statement, str(shop)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {render_context(first)}


def test_an_empty_repository_gives_an_empty_context(tmp_path: Path, statement: str) -> None:
    context = HybridRetriever().retrieve(statement, tmp_path, 1000)
    assert context.chunks == () and context.repo_map == "" and render_context(context) == ""
