"""The text a model reads, and choosing chunks under a budget."""

from __future__ import annotations

from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.render import MAP_TITLE, fit_chunks, render_chunk, render_context
from proctor.retrieval.tokens import estimate_tokens


def test_tokens_are_estimated_at_three_and_a_half_characters() -> None:
    assert [estimate_tokens(t) for t in ("", "a", "abcdefg", "x" * 8)] == [0, 1, 2, 3]


def test_a_chunk_shows_its_place_name_and_code() -> None:
    chunk = Chunk("pkg/m.py", 3, 4, "def f():\n    return 1\n", "function", "f")
    assert (
        render_chunk(chunk)
        == "pkg/m.py:3-4 (function f)\n```python\ndef f():\n    return 1\n```\n\n"
    )
    context = Context((chunk,), "pkg/m.py:\n  def f():")
    assert render_context(context) == (
        f"{MAP_TITLE}\npkg/m.py:\n  def f():\n\n"
        "pkg/m.py:3-4 (function f)\n```python\ndef f():\n    return 1\n```\n"
    )
    assert render_context(Context(())) == ""


def test_chunks_that_do_not_fit_are_skipped_and_later_ones_still_tried() -> None:
    big = Chunk("a.py", 1, 100, "x = 1\n" * 100, "module")
    small = Chunk("b.py", 1, 1, "y = 2", "module")
    context = fit_chunks([big, small], 40, repo_map="a.py:\n  x")
    assert context.chunks == (small,)
    assert context.repo_map == "a.py:\n  x"
    assert context.tokens == estimate_tokens(render_context(context)) <= 40
    assert fit_chunks([big], 10, repo_map="m" * 100).repo_map == ""  # the map alone is too big
