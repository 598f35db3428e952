"""The oracle: SWE-bench's oracle retrieval setting, an UPPER BOUND and no real retriever.

It shows the files the task's reference fix changes, whole, as they are at the base commit:
the Python files first, then the other text files, each in the order of the patch, each one
that fits in what is left of the budget. It is given the paths only (:func:`~proctor.retrieval.
pertask.for_task`), never the fix or the hidden tests, and reads the files from the sealed
checkout. A model could not have it: use it to measure what retrieval costs a model (the
resolve rate with the oracle against the rate with a real retriever), never as a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from proctor.errors import ConfigError
from proctor.retrieval.base import Chunk, Context
from proctor.retrieval.bm25 import file_chunk
from proctor.retrieval.parse import MAX_FILE_BYTES, ParseCache, parse_repo
from proctor.retrieval.render import fit_chunks

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


class OracleRetriever:
    """The reference fix's files whole (SWE-bench's oracle): an upper bound for comparison."""

    name = "oracle"

    def __init__(self, paths: Sequence[str] | None = None, cache: ParseCache | None = None) -> None:
        self.paths = None if paths is None else tuple(paths)
        self.cache = cache

    def with_reference(self, paths: Sequence[str]) -> OracleRetriever:
        """The oracle for a task whose reference fix changes ``paths``."""
        return OracleRetriever(paths, self.cache)

    def rank(self, checkout: Path) -> list[Chunk]:
        """The touched files at base: Python files first, then other text files.

        Raises:
            ConfigError: no task's reference was given (:meth:`with_reference`).
        """
        if self.paths is None:
            raise ConfigError(
                "the oracle retriever shows the reference fix's files: it needs a task "
                "(proctor run, proctor retrieve --task or --eval)"
            )
        parsed = {f.path: f for f in parse_repo(checkout, self.cache)}
        python = [file_chunk(parsed[p]) for p in self.paths if p in parsed]
        others = [_text_file(checkout, p) for p in self.paths if not p.endswith(".py")]
        return python + [c for c in others if c is not None]

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The touched files whole, each one that fits in what is left of the budget."""
        return fit_chunks(self.rank(checkout), budget_tokens)

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``."""
        ranked = self.rank(checkout)
        return [fit_chunks(ranked, b) for b in budgets]
