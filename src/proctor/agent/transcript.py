"""The record of a conversation (messages, timings, usage) and the prompt templates.

Templates live in ``proctor/agent/prompts/`` and use :class:`string.Template` placeholders
(``$statement``), so code with braces in it needs no escaping.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from proctor.files import write_atomic
from proctor.model import (
    ChatModel,
    ChatResponse,
    GrammarChatModel,
    Submission,
    ToolCall,
    takes_grammar,
)
from proctor.retrieval import estimate_tokens


def prompt(name: str, **values: str) -> str:
    """The template ``prompts/<name>`` filled with ``values``.

    Raises:
        KeyError: the template names a placeholder that ``values`` lacks.
    """
    text = resources.files("proctor.agent").joinpath("prompts", name).read_text("utf-8")
    return Template(text).substitute(values).strip() + "\n"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON so that readers see the old file or the new one, never half."""
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, default=str))


ELIDED = "[output of {tool} elided to fit the context window ({lines} lines); ask again if needed]"
"""What the model sees instead of an old tool result once it has been elided."""


def message_tokens(message: Mapping[str, Any]) -> int:
    """About how many tokens one message takes (text, tool calls and framing)."""
    return estimate_tokens(json.dumps(message, ensure_ascii=False))


def assistant_message(response: ChatResponse) -> dict[str, Any]:
    """The model's reply as it goes back into the conversation."""
    message: dict[str, Any] = {"role": "assistant", "content": response.content}
    if response.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in response.tool_calls
        ]
    return message


@dataclass
class Transcript:
    """Messages sent and received, with a step log and the usage summed over calls.

    ``messages`` keeps every tool result whole; the model is sent :meth:`sent`, in which the
    results listed in ``elided`` (indices into ``messages``) are replaced by a short note, and
    the messages in ``withdrawn`` (an answer drawn again: :meth:`withdraw`) are left out.
    """

    agent: str
    model: str
    task_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    submission: Submission | None = None
    observations: dict[int, str] = field(default_factory=dict)
    """Index in ``messages`` of every tool result, oldest first, to the tool's name."""
    elided: set[int] = field(default_factory=set)
    withdrawn: set[int] = field(default_factory=set)

    def sent(self) -> list[dict[str, Any]]:
        """The conversation as the model gets it: elided tool results replaced by a note,
        withdrawn messages left out."""
        return [
            {**m, "content": self._note(i)} if i in self.elided else m
            for i, m in enumerate(self.messages)
            if i not in self.withdrawn
        ]

    def withdraw(self, start: int) -> None:
        """Leave ``messages[start:]`` out of what the model is sent from now on (they stay in
        the record): the answer to a request that is to be drawn again, and what followed it."""
        self.withdrawn.update(range(start, len(self.messages)))

    def elide(self, *, keep: int, fit_tokens: int | None = None, extra_tokens: int = 0) -> int:
        """Elide the oldest tool results, always keeping the newest ``keep`` whole.

        Args:
            keep: tool results never elided, newest first.
            fit_tokens: stop once :meth:`sent`, by :func:`message_tokens`, plus
                ``extra_tokens`` is at most this; None elides every result but ``keep``.
            extra_tokens: what the request adds besides the messages (tool schemas).

        Returns:
            How many results were newly elided.
        """
        kept = max(0, len(self.observations) - keep)
        older = [i for i in list(self.observations)[:kept] if i not in self.elided]
        if fit_tokens is not None:
            sent = self.sent()
            total = sum(map(message_tokens, sent)) + extra_tokens
            chosen = []
            for index in older:
                if total <= fit_tokens:
                    break
                note = {**sent[index], "content": self._note(index)}
                total -= message_tokens(sent[index]) - message_tokens(note)
                chosen.append(index)
            older = chosen
        self.elided.update(older)
        return len(older)

    def _note(self, index: int) -> str:
        """The note that stands for the tool result ``messages[index]``."""
        tool = self.observations[index]
        return ELIDED.format(tool=tool, lines=self.messages[index]["content"].count("\n") + 1)

    def say(self, role: str, content: str) -> None:
        """Append a system or user message."""
        self.messages.append({"role": role, "content": content})

    def ask(
        self,
        llm: ChatModel,
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        max_tokens: int | None = None,
        grammar: str | None = None,
        temperature: float | None = None,
        draw: int = 0,
    ) -> ChatResponse:
        """One model call on the conversation so far; opens a new step in the log.

        ``grammar`` (GBNF) constrains the answer where the model takes one
        (:func:`~proctor.model.takes_grammar`); the step then records it. ``temperature``
        overrides the model's own for this call (recorded in the step); None keeps it.
        ``draw`` numbers a request drawn again (see :meth:`withdraw`; recorded when above 0).

        Raises:
            ModelError: the model could not answer (BudgetExceeded when the budget is spent).
        """
        started = time.monotonic()
        constrained = grammar is not None and takes_grammar(llm)
        extra: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
        if draw:
            extra["draw"] = draw
        if constrained and isinstance(llm, GrammarChatModel):
            response = llm.complete(
                self.sent(), tools=tools, max_tokens=max_tokens, grammar=grammar, **extra
            )
        else:
            response = llm.complete(self.sent(), tools=tools, max_tokens=max_tokens, **extra)
        seconds = time.monotonic() - started
        self.messages.append(assistant_message(response))
        self.steps.append(
            {
                "step": len(self.steps) + 1,
                "model_s": round(seconds, 3),
                "finish_reason": response.finish_reason,
                "prompt_tokens": response.prompt_tokens,
                "completion_tokens": response.completion_tokens,
                "tools": [],
            }
        )
        if constrained:
            self.steps[-1]["grammar"] = grammar
        self.steps[-1].update(extra)
        for key, value in (
            ("calls", 1),
            ("prompt_tokens", response.prompt_tokens),
            ("completion_tokens", response.completion_tokens),
            ("cost_usd", response.cost_usd),
            ("latency_s", seconds),
        ):
            self.usage[key] = self.usage.get(key, 0) + value
        return response

    def tool_result(self, call: ToolCall, result: str, seconds: float, *, native: bool) -> None:
        """Append a tool's result: a ``tool`` message, or a user message for text calls."""
        self.observations[len(self.messages)] = call.name
        if native:
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        else:
            self.say("user", f"Result of {call.name}:\n{result}")
        if self.steps:
            self.steps[-1]["tools"].append(
                {"name": call.name, "arguments": call.arguments, "seconds": round(seconds, 3)}
            )

    def note(self, **fields: Any) -> None:
        """Add fields to the current step (or to a first step of its own)."""
        if not self.steps:
            self.steps.append({"step": 0, "tools": []})
        self.steps[-1].update(fields)

    def finish(self, submission: Submission, path: Path) -> Submission:
        """Close the record with ``submission`` (usage summed over calls), save it to ``path``.

        Returns:
            ``submission`` with the usage.
        """
        self.submission = replace(submission, usage=dict(self.usage))
        self.save(path)
        return self.submission

    def save(self, path: Path) -> None:
        """Write the whole record to ``path`` (atomically)."""
        write_json_atomic(
            path,
            {
                "agent": self.agent,
                "model": self.model,
                "task_id": self.task_id,
                "started_at": self.started_at,
                "saved_at": datetime.now(timezone.utc).isoformat(),
                "submission": asdict(self.submission) if self.submission else None,
                "usage": self.usage,
                "steps": self.steps,
                "messages": self.messages,
                "elided": sorted(self.elided),
                "withdrawn": sorted(self.withdrawn),
            },
        )
