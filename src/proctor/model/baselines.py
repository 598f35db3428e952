"""Baselines that bracket every real model: `gold` applies the reference fix, `empty` nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from proctor.errors import PatchError
from proctor.model.base import Problem, Submission
from proctor.repo import apply_patch


class GoldModel:
    """Applies the reference change minus test files; its patch comes from the run layer."""

    name = "gold"

    def __init__(self, reference: Callable[[str], str]) -> None:
        self._reference = reference

    def solve(self, problem: Problem) -> Submission:
        """Apply the reference patch of ``problem.task_id``."""
        try:
            apply_patch(problem.checkout, self._reference(problem.task_id), label="gold patch")
        except PatchError as exc:
            return Submission("patch-failed", str(exc))
        return Submission(confidence=1.0)


class EmptyModel:
    """Changes nothing: every FAIL_TO_PASS test must fail against it."""

    name = "empty"

    def solve(self, problem: Problem) -> Submission:
        """Leave the checkout as it is."""
        return Submission(confidence=0.0)


class PatchModel:
    """Applies a patch from any source (another agent, a person) to be graded like a model's."""

    def __init__(self, name: str, patches: Mapping[str, str]) -> None:
        self.name = name
        self._patches = dict(patches)

    def solve(self, problem: Problem) -> Submission:
        """Apply the patch given for ``problem.task_id``."""
        patch = self._patches.get(problem.task_id)
        if patch is None:
            return Submission("patch-failed", f"no patch given for {problem.task_id}")
        try:
            apply_patch(problem.checkout, patch, label=f"{self.name} patch")
        except PatchError as exc:
            return Submission("patch-failed", str(exc))
        return Submission()
