"""The public API of proctor.agent and the agent factory."""

from __future__ import annotations

import pytest

import proctor.agent
from proctor.agent import OneShotAgent, ToolAgent, build_agent
from proctor.errors import ConfigError


def test_all_is_pinned() -> None:
    assert sorted(proctor.agent.__all__) == [
        "AGENTS",
        "Applied",
        "ConfidenceVerdict",
        "DEFAULT_EDIT_FORMAT",
        "EditBlock",
        "EditNotApplied",
        "Extraction",
        "IsolatedSolver",
        "MalformedAnswer",
        "OneShotAgent",
        "SpliceError",
        "TOOL_SCHEMAS",
        "ToolAgent",
        "UnsafePath",
        "apply_answer",
        "apply_block",
        "apply_blocks",
        "build_agent",
        "check_format",
        "extract_completion",
        "has_edits",
        "isolated_message",
        "parse_edit_blocks",
        "parse_edits",
        "parse_text_tool_calls",
        "parse_verdict",
        "prompt",
        "render_context",
        "safe_path",
        "splice_function",
    ]


def test_build_agent(script, retriever) -> None:  # type: ignore[no-untyped-def]
    llm = script([])
    oneshot = build_agent("oneshot", llm, retriever, budget_tokens=100)
    assert isinstance(oneshot, OneShotAgent) and oneshot.budget_tokens == 100
    tools = build_agent("tools", llm, None, max_steps=5, name="t")
    assert isinstance(tools, ToolAgent) and (tools.max_steps, tools.name) == (5, "t")
    with pytest.raises(ConfigError, match="unknown agent 'react'"):
        build_agent("react", llm, None)
