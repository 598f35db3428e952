"""The chat-model registry: the catalog and ad hoc forms first, then ``proctor.models``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from proctor import model
from proctor.errors import ConfigError
from proctor.model import ChatResponse, ModelSpec


class EchoChat:
    """A toy chat model: answers with the last message it was sent."""

    name = "echo"
    context_window = 4096

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        return ChatResponse(str(messages[-1]["content"]))


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A package registers ``echo`` (and a broken ``nope``, a non-model ``odd``); returns the
    groups the registry asked for."""
    group = model.ENTRY_POINT_GROUP
    points = [
        EntryPoint("echo", f"{__name__}:EchoChat", group),
        EntryPoint("nope", "proctor_broken_plugin:Chat", group),
        EntryPoint("odd", "builtins:object", group),
    ]
    asked: list[str] = []

    def entry_points(*, group: str) -> list[EntryPoint]:
        asked.append(group)
        return [p for p in points if p.group == group]

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    return asked


CATALOG = {"mine": ModelSpec(name="mine", base_url="http://h/v1", model="m")}


def test_catalog_and_ad_hoc_names_need_no_entry_point(installed: list[str]) -> None:
    assert model.resolve_chat_model("mine", CATALOG) is CATALOG["mine"]
    found = model.resolve_chat_model("openai:gpt-4.1-nano", CATALOG)
    assert isinstance(found, ModelSpec) and found.model == "gpt-4.1-nano"
    assert installed == []


def test_a_toy_chat_model_registers_through_the_entry_point_group(installed: list[str]) -> None:
    factory = model.resolve_chat_model("echo", CATALOG)
    assert not isinstance(factory, ModelSpec)
    chat = factory()
    assert isinstance(chat, EchoChat) and isinstance(chat, model.ChatModel)
    assert chat.complete([{"role": "user", "content": "hi"}]).content == "hi"
    assert installed == ["proctor.models"]
    assert model.available_models(CATALOG) == ["echo", "mine", "nope", "odd"]


def test_unknown_and_broken_models_say_so_in_one_line(installed: list[str]) -> None:
    unknown = "unknown model 'gpt-9' (available: echo, mine, nope, odd, openai:MODEL, URL#MODEL"
    with pytest.raises(ConfigError, match=re.escape(unknown)):
        model.resolve_chat_model("gpt-9", CATALOG)
    with pytest.raises(ConfigError, match="model nope: cannot load proctor_broken_plugin:Chat"):
        model.resolve_chat_model("nope", CATALOG)
    odd = model.resolve_chat_model("odd", CATALOG)
    assert not isinstance(odd, ModelSpec)
    with pytest.raises(ConfigError, match="does not implement proctor's ChatModel"):
        odd()
    with pytest.raises(ConfigError, match="unknown local model 'x'"):
        model.resolve_chat_model("local:x", CATALOG)
