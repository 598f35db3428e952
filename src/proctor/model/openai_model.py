"""The OpenAI-compatible adapter: retries, usage, cost and a record of every call.

Any server the ``openai`` client reaches works: OpenAI, DeepSeek, DashScope, vLLM, Ollama,
llama.cpp. The client's own retries are switched off so the policy here is the only one:
408, 409, 429, 5xx, timeouts and dropped connections are retried with exponential backoff and
jitter (``Retry-After`` is honoured); any other HTTP error fails at once. Each call, with its
retries, becomes one JSON line of ``record_dir/calls.jsonl``; the API key is never written.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import openai

from proctor.errors import ConfigError, ContextOverflow, ModelError
from proctor.model.budget import Budget
from proctor.model.catalog import ModelSpec
from proctor.model.llm import ChatResponse, Message, ToolCall

RETRY_STATUS = frozenset({408, 409, 429})
ENDPOINT_DOWN = frozenset({401, 403, 502, 503, 504})
"""Statuses of :meth:`OpenAIChatModel.check` that mean the endpoint cannot serve requests."""

DEFAULT_SEED = 0
"""The seed of a sampled request (temperature above 0) whose spec names none, so that a
replay draws the same answer where the server honours seeds (a sample's seed is its index)."""

MAX_DELAY_S = 60.0
RECORD_VERSION = 1
"""Version of a ``calls.jsonl`` line; the keys' order is part of the format."""


def parse_text_tool_calls(content: str) -> list[ToolCall]:
    """Tool calls a model wrote as JSON text instead of native ``tool_calls``.

    Finds every JSON object or array in ``content`` (bare, inside ```json fences, inside
    ``<tool_call>`` tags, after ``[TOOL_CALLS]``) and keeps those shaped like a call:
    ``{"name": ..., "arguments" | "parameters": ...}``, also wrapped as
    ``{"function": {...}}`` or ``{"tool_calls": [...]}``. Arguments given as an object are
    re-serialised; given as a string they are kept verbatim.

    Returns:
        The calls in order of appearance, ids ``text_call_0``, ``text_call_1``...; ``[]``
        when there are none.
    """
    decoder = json.JSONDecoder()
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(content):
        starts = [i for i in (content.find("{", pos), content.find("[", pos)) if i >= 0]
        if not starts:
            break
        start = min(starts)
        try:
            value, end = decoder.raw_decode(content, start)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        calls = _calls_in(value)
        found.extend(calls)
        pos = end if calls or isinstance(value, dict) else start + 1
    return [ToolCall(f"text_call_{i}", name, args) for i, (name, args) in enumerate(found)]


def _calls_in(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [call for item in value for call in _calls_in(item)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("tool_calls"), list):
        return _calls_in(value["tool_calls"])
    if isinstance(value.get("function"), dict):
        return _calls_in(value["function"])
    name = value.get("name")
    args = value.get("arguments", value.get("parameters"))
    if not isinstance(name, str) or not name or args is None:
        return []
    return [(name, args if isinstance(args, str) else json.dumps(args))]


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return None if when is None else max(0.0, when.timestamp() - time.time())


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429 and "insufficient_quota" in str(exc.body):
            return False  # retrying an empty account only burns time
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


_OVERFLOW = re.compile(r"context length|context window|maximum context|too many tokens", re.I)


def _is_context_overflow(exc: Exception) -> bool:
    """A 400 saying the conversation no longer fits the model's window (not a server fault)."""
    return (
        isinstance(exc, openai.APIStatusError)
        and exc.status_code == 400
        and bool(_OVERFLOW.search(_describe(exc)))
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        return f"connection error ({type(cause).__name__ if cause else 'no detail'})"
    if isinstance(exc, openai.APIStatusError):
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = body["error"].get("message", message)
        text = " ".join(str(message or exc.message).split())
        return f"HTTP {exc.status_code}: {text[:300]}"
    return f"{type(exc).__name__}: {exc}"


class OpenAIChatModel:
    """A :class:`~proctor.model.llm.ChatModel` over an OpenAI-compatible endpoint.

    Args:
        spec: the endpoint, from :func:`proctor.model.catalog.resolve_spec`.
        budget: spending limits of the task; checked before every request.
        record_dir: folder whose ``calls.jsonl`` receives one line per call.
        client: a ready client (tests); by default one is built from ``spec``.
        max_retries: retries after the first attempt, for retryable failures only.
        timeout_s: per-request timeout.
        backoff_s: first retry delay; it doubles each time, with jitter, up to 60 s.
        sleep: how to wait between retries (tests pass a fake one).

    Raises:
        ConfigError: the key's variable is unset, or a local model's server is not started.
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        budget: Budget | None = None,
        record_dir: Path | None = None,
        client: openai.OpenAI | None = None,
        max_retries: int = 4,
        timeout_s: float = 120,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not spec.base_url:
            raise ConfigError(
                f"model {spec.name}: no server yet; start it with proctor.model.local.serving"
            )
        self.spec = spec
        self.name = spec.name
        self.context_window = spec.context_window
        self.takes_grammar = spec.takes_grammar
        """Requests may carry a GBNF grammar (``ModelSpec.grammar``)."""
        self.budget = budget
        self.record_dir = record_dir
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._lock = threading.Lock()
        self._secret = ""
        if spec.api_key_env is not None:
            key = os.environ.get(spec.api_key_env)
            if not key:
                raise ConfigError(
                    f"model {spec.name}: environment variable {spec.api_key_env} "
                    "is not set (it must hold the API key)"
                )
            self._secret = key
        headers = spec.extra.get("headers")
        self._client = client or openai.OpenAI(
            api_key=self._secret or "not-needed",  # the client insists on some key
            base_url=spec.base_url,
            max_retries=0,
            timeout=timeout_s,
            default_headers=dict(headers) if isinstance(headers, Mapping) else None,
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        draw: int = 0,
        grammar: str | None = None,
    ) -> ChatResponse:
        """One completion, retried as the module docstring says, charged and recorded.

        ``temperature`` defaults to the spec's ``extra["temperature"]``, else 0; above 0 the
        request carries a seed (the spec's ``params``, else :data:`DEFAULT_SEED`; plus ``draw``,
        the how-many-th draw of this request it is). ``grammar``
        (GBNF) goes into the request body as llama.cpp's ``grammar`` field, where the endpoint
        takes one (:attr:`takes_grammar`); elsewhere it is not sent.

        Raises:
            BudgetExceeded: the budget ran out before a request.
            ModelError: a non-retryable HTTP error, retries exhausted, or an empty answer.
        """
        request = self._request(messages, tools, tool_choice, max_tokens, temperature, draw)
        if grammar is not None and self.takes_grammar:
            request["extra_body"] = {**request.get("extra_body", {}), "grammar": grammar}
        errors: list[str] = []
        started = time.monotonic()
        try:
            raw = self._call_with_retries(request, errors)
            response = self._to_response(raw, time.monotonic() - started, bool(tools))
        except ModelError as exc:
            self._record(request, None, None, time.monotonic() - started, errors, str(exc))
            raise
        if self.budget is not None:
            self.budget.charge(response)
        self._record(request, raw, response, response.latency_s, errors, None)
        return response

    def check(self, timeout_s: float = 10.0) -> None:
        """One free request (list the server's models) to see that the endpoint answers.

        A server that does not implement the listing (404, 405, 501) still answered; no
        retries, so a dead endpoint is told within ``timeout_s``.

        Raises:
            ModelError: no connection, a timeout, the key refused (401, 403) or the server
                failing (502, 503, 504).
        """
        try:
            self._client.with_options(timeout=timeout_s, max_retries=0).models.list()
        except openai.APIConnectionError as exc:
            problem = _describe(exc)
        except openai.APIStatusError as exc:
            if exc.status_code not in ENDPOINT_DOWN:
                return
            problem = _describe(exc)
        else:
            return
        raise ModelError(
            f"model {self.name}: endpoint {self.spec.base_url} failed: {self._scrub(problem)}"
        )

    def _request(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None,
        tool_choice: str | Mapping[str, Any] | None,
        max_tokens: int | None,
        temperature: float | None,
        draw: int = 0,
    ) -> dict[str, Any]:
        if temperature is None:
            temperature = float(self.spec.extra.get("temperature", 0.0))
        request: dict[str, Any] = {
            "model": self.spec.model,
            "messages": [dict(m) for m in messages],
            "temperature": temperature,
        }
        if tools:
            request["tools"] = [dict(t) for t in tools]
        if tool_choice is not None:
            request["tool_choice"] = tool_choice
        default_cap = self.spec.extra.get("max_tokens")
        if max_tokens is None and isinstance(default_cap, int):
            max_tokens = default_cap  # the spec's cap on an answer, e.g. for slow local models
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        params = self.spec.extra.get("params")
        body = dict(params) if isinstance(params, Mapping) else {}
        if temperature > 0:
            seed = body.get("seed", DEFAULT_SEED)
            body["seed"] = seed + draw if isinstance(seed, int) else seed
        if body:
            request["extra_body"] = body
        return request

    def _call_with_retries(self, request: dict[str, Any], errors: list[str]) -> dict[str, Any]:
        attempt = 0
        while True:
            if self.budget is not None:
                self.budget.check()
            try:
                completion = self._client.chat.completions.create(**request)
            except (openai.APIConnectionError, openai.APIStatusError) as exc:
                errors.append(self._scrub(_describe(exc)))
                if _is_context_overflow(exc):
                    raise ContextOverflow(f"model {self.name}: {errors[-1]}") from exc
                if not _is_retryable(exc) or attempt >= self.max_retries:
                    tried = f" after {attempt + 1} attempts" if attempt else ""
                    raise ModelError(
                        f"model {self.name}: {errors[-1]}{tried} ({self.spec.base_url})"
                    ) from exc
                self._sleep(self._delay(attempt, exc))
                attempt += 1
                continue
            dumped: dict[str, Any] = completion.model_dump(mode="json", exclude_unset=True)
            return dumped

    def _delay(self, attempt: int, exc: Exception) -> float:
        hinted = _retry_after(exc)
        if hinted is not None:
            return min(hinted, MAX_DELAY_S)
        return min(MAX_DELAY_S, self.backoff_s * 2.0**attempt) * random.uniform(0.5, 1.0)

    def _to_response(self, raw: dict[str, Any], latency: float, offered: bool) -> ChatResponse:
        choices = raw.get("choices") or []
        if not choices:
            raise ModelError(f"model {self.name}: the answer had no choices")
        message = choices[0].get("message") or {}
        content = message.get("content") or ""
        calls = tuple(
            ToolCall(
                str(tc.get("id") or f"call_{i}"),
                str((tc.get("function") or {}).get("name", "")),
                str((tc.get("function") or {}).get("arguments") or "{}"),
            )
            for i, tc in enumerate(message.get("tool_calls") or [])
        )
        if not calls and offered and content:
            calls = tuple(parse_text_tool_calls(content))
        usage = raw.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        return ChatResponse(
            content=content,
            tool_calls=calls,
            finish_reason=str(choices[0].get("finish_reason") or "stop"),
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=self.spec.cost_usd(prompt, completion),
            latency_s=latency,
            raw=raw,
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _record(
        self,
        request: dict[str, Any],
        raw: dict[str, Any] | None,
        response: ChatResponse | None,
        latency: float,
        errors: list[str],
        error: str | None,
    ) -> None:
        if self.record_dir is None:
            return
        entry: dict[str, Any] = {
            "schema_version": RECORD_VERSION,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": self.name,
            "server_model": self.spec.model,
            "base_url": self.spec.base_url,
            "request": request,
            "response": raw,
            "content": response.content if response else None,
            "tool_calls": [asdict(tc) for tc in response.tool_calls] if response else [],
            "finish_reason": response.finish_reason if response else None,
            "prompt_tokens": response.prompt_tokens if response else 0,
            "completion_tokens": response.completion_tokens if response else 0,
            "cost_usd": response.cost_usd if response else 0.0,
            "latency_s": round(latency, 3),
            "retries": len(errors) if response else max(0, len(errors) - 1),
            "errors": errors,
            "error": error,
        }
        line = self._scrub(json.dumps(entry, ensure_ascii=False, default=str))
        with self._lock:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            with (self.record_dir / "calls.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
