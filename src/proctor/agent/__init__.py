"""How a model edits a repository: one-shot edit blocks or a tool-using loop."""

from typing import Any

from proctor.agent.answer import ConfidenceVerdict, parse_verdict
from proctor.agent.edits import (
    Applied,
    EditBlock,
    apply_block,
    apply_blocks,
    parse_edit_blocks,
    safe_path,
)
from proctor.agent.errors import EditNotApplied, MalformedAnswer, UnsafePath
from proctor.agent.extract import Extraction, extract_completion
from proctor.agent.formats import (
    DEFAULT_EDIT_FORMAT,
    apply_answer,
    check_format,
    has_edits,
    parse_edits,
)
from proctor.agent.isolated import IsolatedSolver, isolated_message
from proctor.agent.oneshot import OneShotAgent, render_context
from proctor.agent.splice import SpliceError, splice_function
from proctor.agent.tools import ToolAgent
from proctor.agent.toolset import TOOL_SCHEMAS, parse_text_tool_calls
from proctor.agent.transcript import prompt
from proctor.errors import ConfigError
from proctor.model import ChatModel, Solver
from proctor.retrieval import Retriever

AGENTS = ("oneshot", "tools")


def build_agent(kind: str, llm: ChatModel, retriever: Retriever | None, **options: Any) -> Solver:
    """The agent ``kind`` (``oneshot`` or ``tools``) around ``llm``; ``options`` go to it.

    Raises:
        ConfigError: no agent has that kind.
    """
    if kind == "oneshot":
        return OneShotAgent(llm, retriever, **options)
    if kind == "tools":
        return ToolAgent(llm, retriever, **options)
    raise ConfigError(f"unknown agent {kind!r} (known: {', '.join(AGENTS)})")


__all__ = [
    "AGENTS",
    "DEFAULT_EDIT_FORMAT",
    "TOOL_SCHEMAS",
    "Applied",
    "ConfidenceVerdict",
    "EditBlock",
    "EditNotApplied",
    "Extraction",
    "IsolatedSolver",
    "MalformedAnswer",
    "OneShotAgent",
    "SpliceError",
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
