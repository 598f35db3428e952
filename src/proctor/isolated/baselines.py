"""Chat models that bracket real ones on HumanEval, and serve tests without a network.

``canonical`` answers every problem with its reference solution (every sample should pass);
``empty`` answers nothing (every sample should fail).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from proctor.isolated.humaneval import HumanEvalProblem
from proctor.model import ChatResponse, Message

__all__ = ["CanonicalChatModel", "EmptyChatModel"]


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
    ) -> ChatResponse:
        """An empty answer."""
        return ChatResponse(content="")
