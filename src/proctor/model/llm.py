"""The chat seam: one call to a language model, with usage and cost.

Agents (``proctor.agent``) turn a :class:`ChatModel` into a :class:`~proctor.model.Solver`
that edits a repository; the HumanEval track uses it directly. Implementations: the OpenAI-
compatible adapter (any server the ``openai`` client reaches) and a replay fake for tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = Mapping[str, Any]
"""An OpenAI chat message: {"role": ..., "content": ..., optional "tool_calls"/"tool_call_id"}."""


@dataclass(frozen=True)
class ToolCall:
    """A call the model asked for (native tool call, or parsed out of its text)."""

    id: str
    name: str
    arguments: str
    """JSON text, exactly as the model produced it (it may be malformed)."""


@dataclass(frozen=True)
class ChatResponse:
    """One answer of the model."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    raw: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class ChatModel(Protocol):
    """Answers a conversation; raises :class:`~proctor.errors.ModelError` when it cannot."""

    name: str
    context_window: int

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
        """One completion (retries and budget are the implementation's business).

        ``draw`` numbers the sampled draws of one request (0 first): a sampled request's seed
        is its base seed plus ``draw``, so that a redraw is not the same answer again.
        """
        ...


@runtime_checkable
class GrammarChatModel(ChatModel, Protocol):
    """A :class:`ChatModel` whose endpoint may be given a GBNF grammar that the answer must
    follow (llama.cpp's server); ``takes_grammar`` says whether this one may."""

    takes_grammar: bool

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        draw: int = 0,
        grammar: str | None = None,
    ) -> ChatResponse:
        """One completion; with ``grammar``, decoded under it."""
        ...


def takes_grammar(llm: ChatModel) -> bool:
    """Whether ``llm`` may be sent a grammar (:class:`GrammarChatModel`, ``takes_grammar``)."""
    return isinstance(llm, GrammarChatModel) and llm.takes_grammar
