"""The oracle: SWE-bench's oracle retrieval setting, an UPPER BOUND and no real retriever.

It shows the files the task's reference fix changes, whole, as they are at the base commit:
the Python files first, then the other text files, each in the order of the patch, each one
that fits in what is left of the budget. A Python file too big for what is left is shown by
the units (functions, classes, module code) that the fix's hunks cover instead, as many as fit:
a small model's window would otherwise get nothing. It is given the paths and the old-side line
ranges of the hunks only (:func:`~proctor.retrieval.pertask.for_task`), never the fix or the
hidden tests, and reads the files from the sealed checkout. A model could not have it: use it
to measure what retrieval costs a model (the resolve rate with the oracle against the rate
with a real retriever), never as a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from proctor.errors import ConfigError
from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.bm25 import file_chunk
from proctor.retrieval.parse import MAX_FILE_BYTES, ParseCache, ParsedFile, parse_repo
from proctor.retrieval.render import fit_chunks, render_chunk
from proctor.retrieval.tokens import estimate_tokens

ORACLE_HELP = "oracle = the reference fix's files whole (an upper bound, not a real retriever)"


def _text_file(checkout: Path, path: str) -> Chunk | None:
    """A non-Python file of the checkout whole, None if it is missing, binary or too big."""
    file = checkout / path
    if file.is_symlink() or not file.is_file() or file.stat().st_size > MAX_FILE_BYTES:
        return None
    raw = file.read_bytes()
    if b"\0" in raw:
        return None
    text = raw.decode("utf-8", "replace")
    return Chunk(path, 1, max(1, text.count("\n")), text, "file")


Sites = Mapping[str, Sequence[tuple[int, int]]]
"""Path -> the old-side line ranges of the reference's hunks in it (1-based, inclusive)."""


def _covered(parsed: ParsedFile, ranges: Sequence[tuple[int, int]]) -> list[Chunk]:
    """The units of ``parsed`` a hunk range overlaps, in file order."""
    return [
        c
        for c in parsed.chunks
        if any(start <= c.end_line and c.start_line <= end for start, end in ranges)
    ]


class OracleRetriever:
    """The reference fix's files whole (SWE-bench's oracle): an upper bound for comparison."""

    name = "oracle"

    def __init__(self, sites: Sites | None = None, cache: ParseCache | None = None) -> None:
        self.sites = None if sites is None else {p: tuple(r) for p, r in sites.items()}
        self.cache = cache

    @property
    def paths(self) -> tuple[str, ...] | None:
        """The files the reference fix changes; None before :meth:`with_reference`."""
        return None if self.sites is None else tuple(self.sites)

    def with_reference(self, sites: Sites) -> OracleRetriever:
        """The oracle for a task whose reference fix changes ``sites``."""
        return OracleRetriever(sites, self.cache)

    def _sites(self) -> dict[str, tuple[tuple[int, int], ...]]:
        if self.sites is None:
            raise ConfigError(
                "the oracle retriever shows the reference fix's files: it needs a task "
                "(proctor run, proctor retrieve --task or --eval)"
            )
        return self.sites

    def rank(self, checkout: Path) -> list[Chunk]:
        """The touched files at base: Python files first, then other text files.

        Raises:
            ConfigError: no task's reference was given (:meth:`with_reference`).
        """
        sites = self._sites()
        parsed = {f.path: f for f in parse_repo(checkout, self.cache)}
        python = [file_chunk(parsed[p]) for p in sites if p in parsed]
        others = [_text_file(checkout, p) for p in sites if not p.endswith(".py")]
        return python + [c for c in others if c is not None]

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The touched files whole, each one that fits in what is left of the budget; of a
        Python file that does not, the units the fix's hunks cover that fit."""
        return self.retrieve_budgets(statement, checkout, [budget_tokens])[0]

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``."""
        sites = self._sites()
        ranked = self.rank(checkout)
        parsed = {f.path: f for f in parse_repo(checkout, self.cache)}
        return [_fit(ranked, parsed, sites, b) for b in budgets]


def _fit(
    ranked: Sequence[Chunk],
    parsed: Mapping[str, ParsedFile],
    sites: Mapping[str, Sequence[tuple[int, int]]],
    budget_tokens: int,
) -> Context:
    """Whole files while they fit; a Python file that does not gives its covered units."""
    chosen: list[Chunk] = []
    used = 0
    for whole in ranked:
        parts = [whole]
        if estimate_tokens(render_chunk(whole)) > budget_tokens - used and whole.path in parsed:
            parts = _covered(parsed[whole.path], sites.get(whole.path, ()))
        for chunk in parts:
            cost = estimate_tokens(render_chunk(chunk))
            if used + cost <= budget_tokens:
                chosen.append(chunk)
                used += cost
    return fit_chunks(chosen, budget_tokens)
