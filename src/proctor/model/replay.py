"""A chat model that plays back answers: the fake every test uses instead of a network.

Answers come from a list (a ``str`` is an answer's content, an ``Exception`` is raised in
its turn) or from a ``calls.jsonl`` recorded by
:class:`~proctor.model.openai_model.OpenAIChatModel`, so a real session can be replayed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from proctor.errors import ConfigError, ModelError
from proctor.model.llm import ChatResponse, Message, ToolCall

Scripted = ChatResponse | Exception | str


class ReplayChatModel:
    """Answers with ``responses`` in order and remembers what it was asked.

    Args:
        responses: the answers, one per call.
        name: the model's name in records.
        context_window: what it claims to accept.
    """

    def __init__(
        self,
        responses: Sequence[Scripted],
        *,
        name: str = "replay",
        context_window: int = 32768,
    ) -> None:
        self.name = name
        self.context_window = context_window
        self._responses = list(responses)
        self._lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []
        """Each call's arguments: ``messages`` (copied), ``tools``, ``tool_choice``..."""

    @property
    def messages(self) -> list[list[dict[str, Any]]]:
        """The conversation each call received, in call order."""
        return [call["messages"] for call in self.calls]

    @property
    def remaining(self) -> int:
        """Answers not played yet."""
        return len(self._responses) - len(self.calls)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        draw: int = 0,
    ) -> ChatResponse:
        """The next scripted answer.

        Raises:
            ModelError: the script is used up (or the scripted answer is an error).
        """
        with self._lock:
            index = len(self.calls)
            self.calls.append(
                {
                    "messages": [dict(m) for m in messages],
                    "tools": [dict(t) for t in tools or ()],
                    "tool_choice": tool_choice,
                    "max_tokens": max_tokens,
                    "temperature": temperature,
                }
            )
        if index >= len(self._responses):
            raise ModelError(
                f"model {self.name}: replay ran out after {len(self._responses)} answers"
            )
        answer = self._responses[index]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, str):
            return ChatResponse(content=answer)
        return answer

    @classmethod
    def from_jsonl(cls, path: Path, *, name: str | None = None) -> ReplayChatModel:
        """Replay a ``calls.jsonl``; a call recorded as failed is raised as ModelError.

        Raises:
            ConfigError: the file cannot be read or a line is not a recorded call.
        """
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
        answers: list[Scripted] = []
        recorded_name = "replay"
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                answers.append(_from_entry(entry))
                recorded_name = str(entry.get("model") or recorded_name)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ConfigError(f"{path}: line {number}: not a recorded call ({exc})") from exc
        return cls(answers, name=name or recorded_name)


def _from_entry(entry: dict[str, Any]) -> Scripted:
    if entry.get("error"):
        return ModelError(str(entry["error"]))
    calls = tuple(
        ToolCall(str(tc["id"]), str(tc["name"]), str(tc["arguments"]))
        for tc in entry.get("tool_calls") or []
    )
    return ChatResponse(
        content=str(entry.get("content") or ""),
        tool_calls=calls,
        finish_reason=str(entry.get("finish_reason") or "stop"),
        prompt_tokens=int(entry.get("prompt_tokens") or 0),
        completion_tokens=int(entry.get("completion_tokens") or 0),
        cost_usd=float(entry.get("cost_usd") or 0.0),
        latency_s=float(entry.get("latency_s") or 0.0),
        raw=entry.get("response") or {},
    )
