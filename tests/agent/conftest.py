"""Fakes for the agent tests: a scripted chat model, a fixed retriever, a small checkout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.fake_chat import ScriptedLLM

from proctor.model.base import Problem
from proctor.model.llm import ChatResponse, ToolCall
from proctor.retrieval.base import Chunk, Context

CALC = '''"""Tiny calculator."""


def add(a, b):
    """Sum of a and b."""
    return a + b


def mean(values):
    """Arithmetic mean of a non-empty list."""
    return sum(values) / (len(values) + 1)
'''


def calls(*pairs: tuple[str, str]) -> ChatResponse:
    """A reply with native tool calls (name, JSON arguments)."""
    return ChatResponse(
        "",
        tool_calls=tuple(ToolCall(f"call-{k}", n, a) for k, (n, a) in enumerate(pairs)),
        finish_reason="tool_calls",
        prompt_tokens=50,
        completion_tokens=10,
    )


class FixedRetriever:
    """Always the same context."""

    name = "fixed"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.asked: list[tuple[str, Path, int]] = []

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        self.asked.append((statement, checkout, budget_tokens))
        return self.ctx


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "tests" / "test_calc.py").write_text(
        "from calc import mean\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n"
    )
    return root


@pytest.fixture
def problem(repo: Path, tmp_path: Path) -> Problem:
    workdir = tmp_path / "model"
    workdir.mkdir()
    return Problem("calc-1", "calc", "mean([1, 2, 3]) gives 1.5, I expected 2.", repo, workdir)


@pytest.fixture
def retriever() -> FixedRetriever:
    chunk = Chunk("calc.py", 10, 12, CALC.split("\n\n\n")[2], "function", "mean", 1.0)
    return FixedRetriever(
        Context((chunk,), repo_map="calc.py:\n  def add(a, b)\n  def mean(values)")
    )


@pytest.fixture
def script() -> type[ScriptedLLM]:
    return ScriptedLLM


@pytest.fixture
def reply() -> Callable[..., ChatResponse]:
    return calls
