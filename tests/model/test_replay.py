"""ReplayChatModel: the shipped fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.errors import ConfigError, ModelError
from proctor.model.llm import ChatModel, ChatResponse, ToolCall
from proctor.model.replay import ReplayChatModel


def test_plays_in_order_and_records_what_it_was_asked() -> None:
    call = ToolCall("c1", "run", '{"argv": ["pytest"]}')
    model = ReplayChatModel(["first", ChatResponse("", tool_calls=(call,)), ValueError("boom")])
    assert isinstance(model, ChatModel)
    assert model.complete([{"role": "user", "content": "a"}]).content == "first"
    tools = [{"type": "function", "function": {"name": "run"}}]
    assert model.complete([{"role": "user", "content": "b"}], tools=tools).tool_calls == (call,)
    with pytest.raises(ValueError, match="boom"):
        model.complete([{"role": "user", "content": "c"}])
    with pytest.raises(ModelError, match="ran out after 3 answers"):
        model.complete([])
    assert [m[0]["content"] for m in model.messages[:3]] == ["a", "b", "c"]
    assert model.calls[1]["tools"] == tools


def test_from_jsonl_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text('{"content": "ok"}\nnot json\n')
    with pytest.raises(ConfigError, match=r"calls\.jsonl: line 2"):
        ReplayChatModel.from_jsonl(path)
    with pytest.raises(ConfigError, match="cannot read"):
        ReplayChatModel.from_jsonl(tmp_path / "missing.jsonl")
