"""The Solver seam: something that changes a checkout to solve a problem.

A solver sees a :class:`Problem` (the statement and a sealed checkout), never the task spec,
the hidden tests or the repository's later history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from proctor.errors import BudgetExceeded, ProctorError
from proctor.sandbox import ExecResult
from proctor.spec import IsolatedFunction, Task
from proctor.testrun import DEFAULT_RUNNER

Exec = Callable[[Sequence[str], float], ExecResult]
"""Runs an argv (with a timeout in seconds) in the checkout, inside the task's sandbox and
environment: the task's test command (``python -m pytest tests/test_x.py``) works. Never sees
the hidden tests."""


@dataclass(frozen=True)
class FollowUp:
    """One more turn of an earlier conversation: what was said, and the feedback to answer.

    The checkout of the :class:`Problem` already holds the earlier answer's change.
    """

    history: tuple[dict[str, object], ...]
    """The earlier conversation's messages, as the agent recorded them."""
    feedback: str
    """The user's next message (a test failure report, or a reviewer's complaint)."""


@dataclass(frozen=True)
class Problem:
    """What a model is given."""

    task_id: str
    repo: str
    statement: str
    checkout: Path
    """Sealed checkout at the base commit; the model edits it in place."""
    workdir: Path
    """A folder of the attempt where the model may keep its own records."""
    exec: Exec | None = None
    """Run commands in the checkout (sandboxed); None where no environment is available."""
    isolated: IsolatedFunction | None = None
    """For an isolated task: the one function asked for (its prompt is all a model may see)."""
    runner: str = DEFAULT_RUNNER
    """The task's test runner (a name :func:`proctor.testrun.get_runner` knows)."""
    test_cmd: tuple[str, ...] = ()
    """The task's test command; empty: the runner's default."""
    follow_up: FollowUp | None = None
    """A feedback round: continue this conversation instead of starting one (agents that
    hold a conversation say so with a ``converses = True`` class attribute)."""


@dataclass(frozen=True)
class Submission:
    """How a model's attempt ended (the change itself is read off the checkout)."""

    status: str = "submitted"
    """``submitted``; ``no-edit`` (a feedback round answered without changing anything);
    ``patch-failed`` (its edits did not apply) or ``malformed`` (no edits could
    be read) — both end as outcome patch-failed; ``cannot-fix`` (graded as it stands);
    ``limit`` (steps, time or budget ran out; graded as it stands); ``error`` (the model's API
    failed past retries — an infrastructure failure, outcome environment-error)."""
    message: str = ""
    confidence: float | None = None
    usage: dict[str, float] = field(default_factory=dict)
    first_try: bool | None = None
    """The first answer's edits parsed and all applied (edit-format compliance); None where
    no edit was written or asked for (CANNOT FIX, a baseline, a tools run with no edit)."""

    @classmethod
    def failed(cls, exc: ProctorError) -> Submission:
        """How an attempt ends when the model cannot go on: ``limit`` for a spent budget (or
        a full context window), ``error`` for anything else (an API failing past retries)."""
        return cls("limit" if isinstance(exc, BudgetExceeded) else "error", str(exc))


@runtime_checkable
class Solver(Protocol):
    """Changes a checkout to solve a problem."""

    name: str

    def solve(self, problem: Problem) -> Submission:
        """Edit ``problem.checkout``; never raise for what the model answered."""
        ...


@runtime_checkable
class SolverFactory(Protocol):
    """Makes a fresh solver per attempt (its own budget, its records in the attempt folder)."""

    name: str

    def for_attempt(self, task: Task, workdir: Path) -> Solver:
        """The solver that attempts ``task``, recording into ``workdir``.

        It may look at ``task.kind`` (an isolated task is solved blind from its prompt) but
        must not pass the hidden tests or the reference on to the model.

        Raises:
            ProctorError: the model cannot be set up (recorded as environment-error).
        """
        ...
