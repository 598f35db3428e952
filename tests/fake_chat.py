"""A scripted chat model for tests that need no HTTP (tests/fake_openai.py serves those)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proctor.model.llm import ChatResponse

Step = str | ChatResponse | Exception | Callable[[Sequence[Mapping[str, Any]]], ChatResponse]


class ScriptedLLM:
    """Answers from a script; records every conversation it was sent."""

    context_window = 32_000

    def __init__(self, script: Sequence[Step], name: str = "fake") -> None:
        self.name = name
        self.script = list(script)
        self.seen: list[list[dict[str, Any]]] = []
        self.tools: list[Any] = []
        self.temperatures: list[float] = []
        self.draws: list[int] = []

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        draw: int = 0,
    ) -> ChatResponse:
        self.seen.append(copy.deepcopy([dict(m) for m in messages]))
        self.tools.append(tools)
        self.temperatures.append(temperature)
        self.draws.append(draw)
        if not self.script:
            raise AssertionError("the script ran out")
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, str):
            return ChatResponse(step, prompt_tokens=100, completion_tokens=20, cost_usd=0.001)
        if isinstance(step, ChatResponse):
            return step
        return step(messages)
