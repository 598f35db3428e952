"""The text a model reads for a :class:`Context`, and choosing chunks under a token budget.

Every agent shows retrieved code through :func:`render_context`, so what ``proctor retrieve``
prints is exactly what a model sees. The text is the concatenation of one block per part
(the map, then each chunk), and budgets are counted block by block with
:func:`~proctor.retrieval.tokens.estimate_tokens`, which never counts the joined text as more
than its blocks.
"""

from __future__ import annotations

from collections.abc import Iterable

from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.tokens import estimate_tokens

MAP_TITLE = "Repository map (signatures of the most relevant definitions):"
_SMALLEST_BLOCK = 16
"""No chunk block (header line and fences) takes fewer tokens than this."""


def render_map(repo_map: str) -> str:
    """The block showing a repo-map outline; empty for an empty outline."""
    return f"{MAP_TITLE}\n{repo_map.rstrip()}\n\n" if repo_map.strip() else ""


def render_chunk(chunk: Chunk) -> str:
    """The block showing one chunk: a header line with path, lines and name, then the code."""
    label = f"{chunk.kind} {chunk.name}" if chunk.name else chunk.kind
    where = f"{chunk.path}:{chunk.start_line}-{chunk.end_line}"
    return f"{where} ({label})\n```python\n{chunk.text.rstrip()}\n```\n\n"


def render_context(context: Context) -> str:
    """The text of ``context`` as a model reads it: the repo map, then the chunks in order."""
    blocks = [render_map(context.repo_map), *(render_chunk(c) for c in context.chunks)]
    text = "".join(blocks).rstrip()
    return f"{text}\n" if text else ""


def fit_chunks(ranked: Iterable[Chunk], budget_tokens: int, repo_map: str = "") -> Context:
    """The context of ``repo_map`` and the chunks of ``ranked`` that fit in the budget.

    Chunks are taken in order; one that does not fit in what is left is skipped and the next
    ones are still tried. The rendered text then takes at most ``budget_tokens``.

    Args:
        ranked: chunks, best first.
        budget_tokens: the most tokens the rendered context may take.
        repo_map: an outline to show first; dropped when it alone exceeds the budget.
    """
    used = estimate_tokens(render_map(repo_map))
    if used > budget_tokens:
        repo_map, used = "", 0
    chosen: list[Chunk] = []
    for chunk in ranked:
        if budget_tokens - used < _SMALLEST_BLOCK:
            break
        cost = estimate_tokens(render_chunk(chunk))
        if used + cost <= budget_tokens:
            chosen.append(chunk)
            used += cost
    context = Context(tuple(chosen), repo_map)
    return Context(context.chunks, repo_map, estimate_tokens(render_context(context)))
