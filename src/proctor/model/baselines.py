"""Baselines that bracket every real model: `gold` applies the reference fix, `empty` nothing.

And the chat models that bracket real ones on HumanEval, and serve tests without a network:
``canonical`` answers every problem with its reference solution (every sample should pass);
``empty`` answers nothing (every sample should fail).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proctor.errors import PatchError
from proctor.model.base import Problem, Submission
from proctor.model.llm import ChatResponse, Message
from proctor.repo import apply_patch
from proctor.spec import HumanEvalProblem


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

    def for_task(self, task_id: str) -> PatchModel:
        """The same model holding only ``task_id``'s patch (what one attempt needs shipped)."""
        return PatchModel(self.name, {k: v for k, v in self._patches.items() if k == task_id})

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


class CanonicalChatModel:
    """Answers each HumanEval prompt with its canonical solution, in a python block.

    The problem is recognised by its prompt appearing in the last message; an unknown
    prompt gets an empty answer.
    """

    name = "canonical"
    context_window = 1_000_000

    def __init__(self, problems: Mapping[str, HumanEvalProblem]) -> None:
        self._problems = list(problems.values())

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        draw: int = 0,
    ) -> ChatResponse:
        """The canonical solution of the problem whose prompt the last message holds."""
        text = str(messages[-1].get("content", "")) if messages else ""
        for problem in self._problems:
            if problem.prompt.strip() in text:
                code = problem.prompt + problem.canonical_solution
                return ChatResponse(content=f"Here it is:\n\n```python\n{code}```\n")
        return ChatResponse(content="")


class EmptyChatModel:
    """Answers every request with nothing."""

    name = "empty"
    context_window = 1_000_000

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        draw: int = 0,
    ) -> ChatResponse:
        """An empty answer."""
        return ChatResponse(content="")
