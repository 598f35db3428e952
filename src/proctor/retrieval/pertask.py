"""What a retriever may learn of a task besides its statement and sealed checkout.

The :class:`~proctor.retrieval.base.Retriever` seam sees the statement and the sealed checkout
only. Two kinds of retriever want one thing more, and say so by a method:

* :class:`UsesHistory`: the repository's commits up to the base commit
  (:func:`~proctor.retrieval.history.read_history`; never a later one);
* :class:`UsesReference`: the oracle (an upper bound, not a retriever a model could have):
  the paths of the files the reference fix changes and the old-side line ranges of its hunks,
  never the fix or the hidden tests.

:func:`for_task` hands each its extra for one task; every caller that knows the task (a run's
attempt, ``proctor retrieve``, the localization benchmark) goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from proctor.retrieval.base import Context, Retriever
from proctor.retrieval.history import History, read_history


@runtime_checkable
class UsesHistory(Protocol):
    """A retriever that can read the history up to the base commit."""

    @property
    def reads_history(self) -> bool:
        """Whether it has a use for it (reading it costs a ``git log``)."""
        ...

    def with_history(self, history: History) -> Retriever:
        """The same retriever, reading ``history``."""
        ...


@runtime_checkable
class UsesReference(Protocol):
    """A retriever that is given where the reference fix changes the code (the oracle)."""

    def with_reference(self, sites: Mapping[str, Sequence[tuple[int, int]]]) -> Retriever:
        """The same retriever for a task whose reference fix changes ``sites`` (path -> the
        old-side line ranges of its hunks)."""
        ...


@runtime_checkable
class RanksOnce(Protocol):
    """A retriever that can cut several budgets from one ranking."""

    def retrieve_budgets(
        self, statement: str, checkout: Path, budgets: Sequence[int]
    ) -> list[Context]:
        """The context for each of ``budgets``, ranking once."""
        ...


def for_task(
    retriever: Retriever,
    source: Path,
    base: str,
    reference_sites: Callable[[], Mapping[str, Sequence[tuple[int, int]]]],
) -> Retriever:
    """``retriever`` ready for one task: with the history of ``source`` up to ``base`` if it
    reads history, with where the reference changes the code (``reference_sites()``: path ->
    old-side hunk line ranges, :func:`proctor.repo.touched_lines`) if it is the oracle.

    Raises:
        RepoError: the history cannot be read.
    """
    if isinstance(retriever, UsesHistory) and retriever.reads_history:
        retriever = retriever.with_history(read_history(source, base))
    if isinstance(retriever, UsesReference):
        retriever = retriever.with_reference(reference_sites())
    return retriever


def retrieve_budgets(
    retriever: Retriever, statement: str, checkout: Path, budgets: Sequence[int]
) -> list[Context]:
    """The context of ``retriever`` for each of ``budgets`` (ranking once where it can)."""
    if isinstance(retriever, RanksOnce):
        return retriever.retrieve_budgets(statement, checkout, budgets)
    return [retriever.retrieve(statement, checkout, b) for b in budgets]
