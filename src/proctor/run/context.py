"""What an attempt needs: plain data that can be shipped anywhere, and the live objects that stay.

An attempt's inputs are split in two so that an attempt can run in another process or on another
machine: :class:`AttemptInput` (one attempt) and :class:`AttemptOptions` (how every attempt of a
run is made) are plain, picklable data; :class:`AttemptContext` holds the live objects — the
model (perhaps a local server), the cache of repositories with its lock, the sandbox factory —
which a process builds for itself and never ships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from proctor.model import Solver, SolverFactory
from proctor.run.feedback import FeedbackInput
from proctor.run.key import AttemptKey
from proctor.run.references import References
from proctor.sandbox import Limits, Mounts, Sandbox, open_sandbox
from proctor.settings import Settings
from proctor.spec import Task

SandboxFactory = Callable[[Mounts, Limits, str], Sandbox]


def _default_sandbox(mounts: Mounts, limits: Limits, backend: str) -> Sandbox:
    return open_sandbox(backend, mounts, limits)


@dataclass(frozen=True)
class AttemptOptions:
    """How every attempt of a run is made (plain data: picklable)."""

    settings: Settings
    keep_checkout: bool = False
    """Keep each attempt's checkouts and scratch folders (for debugging)."""


@dataclass(frozen=True)
class AttemptInput:
    """One attempt to make (plain data: picklable, so it can be shipped to another process)."""

    task: Task
    key: AttemptKey
    tries: int = 1
    """Which try of this attempt it is (environment-errors are tried again)."""
    feedback: FeedbackInput | None = None
    """For a feedback round (``key.round`` > 0): the earlier round's change and the feedback."""

    def __post_init__(self) -> None:
        if self.key.task_id != self.task.id:
            raise ValueError(f"key {self.key} is not for task {self.task.id}")

    @classmethod
    def first(cls, task: Task) -> AttemptInput:
        """The first try of the task's first sample, before any feedback."""
        return cls(task, AttemptKey(task.id))


@dataclass
class AttemptContext:
    """What attempts share in one process: live objects, and the run's options."""

    model: Solver | SolverFactory
    """One model for every attempt, or a factory making one per attempt."""
    references: References
    options: AttemptOptions
    make_sandbox: SandboxFactory = _default_sandbox

    @property
    def settings(self) -> Settings:
        """The run's settings (from :attr:`options`)."""
        return self.options.settings
