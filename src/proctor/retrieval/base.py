"""The Retriever seam: from a problem statement and a checkout to the code a model should see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Chunk:
    """A piece of the repository shown to the model."""

    path: str
    """Path relative to the checkout root, POSIX separators."""
    start_line: int
    """1-based, inclusive."""
    end_line: int
    """1-based, inclusive."""
    text: str
    kind: str
    """``function``, ``class``, ``module`` (top-level code), ``file`` (a whole file) or ``map``."""
    name: str = ""
    """Qualified name for functions and classes, e.g. ``Cache.get``."""
    score: float = 0.0


@dataclass(frozen=True)
class Context:
    """What a retriever chose, in the order the model should read it."""

    chunks: tuple[Chunk, ...]
    repo_map: str = ""
    """An outline of the most relevant files (signatures only), within the budget."""
    tokens: int = 0


@runtime_checkable
class Retriever(Protocol):
    """Chooses code for a problem, within a token budget."""

    name: str

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        """The context for ``statement`` from the repository at ``checkout``."""
        ...
