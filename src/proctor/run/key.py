"""The identity of an attempt: which task, which sample, which feedback round, which patch.

One key names an attempt everywhere: its folder in the run folder, its result in the results
store, and what a resumed run looks for. A *slot* (the key without its patch) is a place in a run:
one folder, one newest result. A new key in a slot supersedes the old one there (a patch that
changed is graded anew, into the same folder).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, order=True)
class AttemptKey:
    """Task id, sample index, feedback round, and the patch's sha256 when a patch is graded.

    Plain, hashable and picklable: it can name an attempt in another process or on another
    machine. Sample and round are 0 for a run that draws one sample without feedback.
    """

    task_id: str
    sample: int = 0
    """Which of the independent samples of the task (0 for the first)."""
    round: int = 0
    """Which feedback round (0: before any feedback)."""
    patch_sha256: str = ""
    """For ``proctor grade``: sha256 of the patch text graded; '' for a model's own attempt."""

    def __post_init__(self) -> None:
        if self.sample < 0 or self.round < 0:
            raise ValueError(f"{self.task_id}: sample and round count from 0")

    @property
    def slot(self) -> AttemptKey:
        """Where the attempt is recorded: this key without its patch."""
        return replace(self, patch_sha256="") if self.patch_sha256 else self

    @property
    def folder(self) -> str:
        """Its attempt folder's name: the task id for sample 0 in round 0 (as before samples
        and rounds existed, so older run folders resume), else ``TASK_ID@sSAMPLErROUND``.
        Task ids never hold ``@``."""
        if self.sample == 0 and self.round == 0:
            return self.task_id
        return f"{self.task_id}@s{self.sample}r{self.round}"

    def __str__(self) -> str:
        return self.folder
