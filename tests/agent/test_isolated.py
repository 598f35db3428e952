"""IsolatedSolver: a function written blind, spliced in, judged by the repository's tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CALC_FIXED, make_calc_repo
from tests.fake_openai import FakeOpenAI

from proctor.agent.isolated import IsolatedSolver, isolated_message
from proctor.errors import BudgetExceeded, ModelError
from proctor.model import Problem
from proctor.model.llm import ChatResponse, Message
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    AttemptResult,
    Outcome,
    References,
    run_attempt,
)
from proctor.run.solvers import AgentFactory, ModelChoice, open_model
from proctor.settings import Settings
from proctor.spec import Task

PROMPT = 'def mean(values):\n    """Arithmetic mean of a non-empty list."""\n'
CALC_STUB = CALC_FIXED.replace(
    "    return sum(values) / len(values)\n", "    raise NotImplementedError\n"
)
RIGHT = "Here:\n\n```python\ndef mean(values):\n    return sum(values) / len(values)\n```\n"
WRONG = "```python\ndef mean(values):\n    return sum(values)\n```\n"
GARBAGE = "I would rather not write code today."


def make_calc_pair(root: Path) -> tuple[Path, str, str]:
    """A repository whose ``mean`` body is a stub at base and restored at fix."""
    return make_calc_repo(root, base_source=CALC_STUB)


def calc_pair_task(repo: Path, base: str, fix: str, kind: str, stem: str = "calc-mean") -> Task:
    """``<stem>-iso`` (kind isolated) or ``<stem>-repo`` over the same base, fix and tests."""
    fields: dict[str, Any] = {
        "id": f"{stem}-{'iso' if kind == 'isolated' else 'repo'}",
        "repo": str(repo),
        "base_commit": base,
        "created_at": "2024-01-01T00:00:00Z",
        "problem_statement": f"Implement this function.\n\n```python\n{PROMPT}```\n",
        "reference": {"commit": fix},
        "hidden_tests": {
            "files": ["tests/test_calc.py"],
            "fail_to_pass": [
                "tests/test_calc.py::test_mean",
                "tests/test_calc.py::test_mean_single",
            ],
            "pass_to_pass": ["tests/test_calc.py::test_add"],
        },
    }
    if kind == "isolated":
        fields |= {
            "kind": "isolated",
            "isolated": {"path": "calc.py", "qualname": "mean", "prompt": PROMPT},
        }
    return Task.model_validate(fields)


class ScriptedChat:
    """A chat model answering from a script; an exception in the script is raised."""

    name = "scripted"
    context_window = 100_000

    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[list[Message]] = []

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        self.seen.append(list(messages))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return ChatResponse(content=answer, prompt_tokens=50, completion_tokens=10)


@pytest.fixture
def iso(tmp_path: Path) -> Task:
    repo, base, fix = make_calc_pair(tmp_path / "calc")
    return calc_pair_task(repo, base, fix, "isolated")


def attempt(task: Task, model: object, settings: Settings, adir: Path) -> AttemptResult:
    refs = References([task], settings.repos_dir)
    ctx = AttemptContext(model, refs, AttemptOptions(settings))  # type: ignore[arg-type]
    return run_attempt(AttemptInput.first(task), ctx, adir)


def test_right_answer_resolves(iso: Task, settings: Settings, tmp_path: Path) -> None:
    chat = ScriptedChat(RIGHT)
    result = attempt(iso, IsolatedSolver(chat, name="s"), settings, tmp_path / "a")
    assert result.outcome is Outcome.RESOLVED, result
    assert result.model_status == "submitted"
    assert "return sum(values) / len(values)" in (tmp_path / "a" / "model.patch").read_text()
    sent = json.dumps(chat.seen)
    assert "Arithmetic mean of a non-empty list" in sent
    assert "def add" not in sent and "test_mean" not in sent  # the prompt alone, blind
    record = json.loads((tmp_path / "a" / "model" / "conversation.json").read_text())
    assert record["extraction"]["method"] == "function"
    assert record["submission"]["usage"]["prompt_tokens"] == 50
    assert record["messages"][-1]["content"] == RIGHT


def test_wrong_answer_is_unresolved(iso: Task, settings: Settings, tmp_path: Path) -> None:
    result = attempt(iso, IsolatedSolver(ScriptedChat(WRONG), name="s"), settings, tmp_path / "a")
    assert result.outcome is Outcome.UNRESOLVED, result
    assert (result.f2p_passed, result.f2p_total) == (1, 2)  # mean([4]) == sum([4])


def test_garbage_is_malformed(iso: Task, settings: Settings, tmp_path: Path) -> None:
    chat = ScriptedChat(GARBAGE)
    result = attempt(iso, IsolatedSolver(chat, name="s"), settings, tmp_path / "a")
    assert result.outcome is Outcome.PATCH_FAILED
    assert result.model_status == "malformed"
    assert "no definition of mean" in result.message


def problem(tmp_path: Path, task: Task | None = None) -> Problem:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "calc.py").write_text(CALC_STUB)
    isolated = task.isolated if task is not None else None
    return Problem("t", "r", "s", checkout, tmp_path / "work", None, isolated)


def test_a_bare_body_continues_the_prompt(iso: Task, tmp_path: Path) -> None:
    body = "```python\n    total = sum(values)\n    return total / len(values)\n```"
    p = problem(tmp_path, iso)
    submission = IsolatedSolver(ScriptedChat(body), name="s").solve(p)
    assert submission.status == "submitted"
    text = (p.checkout / "calc.py").read_text()
    assert "    total = sum(values)\n    return total / len(values)\n" in text
    assert "NotImplementedError" not in text


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (ModelError("server said 500"), "error"),
        (BudgetExceeded("tokens spent"), "limit"),
        ("```python\ndef mean(values) return 0\n```", "malformed"),
    ],
)
def test_failures_are_statuses_not_exceptions(
    iso: Task, tmp_path: Path, answer: str | Exception, status: str
) -> None:
    p = problem(tmp_path, iso)
    submission = IsolatedSolver(ScriptedChat(answer), name="s").solve(p)
    assert submission.status == status
    assert (p.checkout / "calc.py").read_text() == CALC_STUB
    assert (p.workdir / "conversation.json").is_file()


def test_a_task_that_is_not_isolated_is_an_error(tmp_path: Path) -> None:
    submission = IsolatedSolver(ScriptedChat(RIGHT), name="s").solve(problem(tmp_path))
    assert submission.status == "error"


def test_the_message_is_the_humaneval_template() -> None:
    message = isolated_message(PROMPT)
    assert message.endswith(f"```python\n{PROMPT.rstrip()}\n```\n")
    assert "Complete the following Python function" in message


def test_agent_factory_solves_isolated_tasks_blind(
    iso: Task, settings: Settings, tmp_path: Path, server: str
) -> None:
    FakeOpenAI.answers = [(200, RIGHT)]
    refs = References([iso], settings.repos_dir)
    with open_model(ModelChoice(f"{server}#fake"), refs, settings) as model:
        assert isinstance(model, AgentFactory)
        assert isinstance(model.for_attempt(iso, tmp_path / "w"), IsolatedSolver)
        ctx = AttemptContext(model, refs, AttemptOptions(settings))
        result = run_attempt(AttemptInput.first(iso), ctx, tmp_path / "a")
    assert result.outcome is Outcome.RESOLVED, result
    assert len(FakeOpenAI.seen) == 1
    messages = FakeOpenAI.seen[0]["messages"]
    assert [m["role"] for m in messages] == ["user"]  # no system prompt, no repository
    assert messages[0]["content"] == isolated_message(PROMPT)
    assert (tmp_path / "a" / "model" / "calls.jsonl").is_file()
