"""The tool-using agent with a scripted chat model: the loop, its feedback and its limits."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from proctor.agent import TOOL_SCHEMAS, ToolAgent
from proctor.errors import BudgetExceeded, ContextOverflow, ModelError
from proctor.model.base import Problem, Solver
from proctor.model.llm import ChatResponse
from proctor.sandbox.base import ExecResult

EDIT = json.dumps(
    {
        "path": "calc.py",
        "search": "    return sum(values) / (len(values) + 1)\n",
        "replace": "    return sum(values) / len(values)\n",
    }
)


def _trajectory(problem: Problem) -> dict[str, Any]:
    return json.loads((problem.workdir / "trajectory.json").read_text())  # type: ignore[no-any-return]


def _tool_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    return [m["content"] for m in messages if m["role"] == "tool"]


def test_read_edit_test_submit(script, reply, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    ran: list[tuple[list[str], float]] = []

    def exec_(argv: Sequence[str], timeout: float) -> ExecResult:
        ran.append((list(argv), timeout))
        return ExecResult(tuple(argv), 0, "1 passed in 0.01s\n", "", 0.1)

    problem = replace(problem, exec=exec_)
    llm = script(
        [
            reply(("find_symbol", '{"name": "mean"}')),
            reply(("read_file", '{"path": "calc.py", "start_line": 10, "end_line": 12}')),
            reply(("edit", EDIT)),
            reply(("run_tests", '{"args": ["tests/test_calc.py", "-q"]}')),
            reply(("submit", '{"confidence": 0.9}')),
        ]
    )
    agent = ToolAgent(llm, retriever, test_timeout_s=42)
    assert isinstance(agent, Solver) and agent.name == "fake+tools"
    sub = agent.solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.9)
    assert sub.usage["calls"] == 5
    assert "return sum(values) / len(values)\n" in (problem.checkout / "calc.py").read_text()
    assert ran == [(["python", "-m", "pytest", "tests/test_calc.py", "-q"], 42)]
    results = _tool_results(llm.seen[-1])
    assert results[0] == "calc.py:9: def mean(values):"
    assert '   10|     """Arithmetic mean' in results[1]
    assert results[2] == "edited calc.py (exact)"
    assert results[3].startswith("exit code 0\n1 passed")
    assert llm.tools[0] == TOOL_SCHEMAS
    assert "def add(a, b)" in llm.seen[0][1]["content"]  # the repo map starts it off
    saved = _trajectory(problem)
    assert saved["submission"]["status"] == "submitted"
    assert [s["tools"][0]["name"] for s in saved["steps"]] == [
        "find_symbol",
        "read_file",
        "edit",
        "run_tests",
        "submit",
    ]


def test_tool_errors_go_back_to_the_model(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script(
        [
            reply(("read_file", '{"path": "calc.py", "start_line": }')),
            reply(("delete_everything", "{}"), ("read_file", '{"path": "../secret"}')),
            reply(("read_file", '{"path": "nope.py"}'), ("run_tests", "{}")),
            reply(("edit", '{"path": "calc.py", "search": "nothing like it", "replace": "x"}')),
            reply(("submit", '{"confidence": "high"}')),
            reply(("submit", '{"confidence": 0.2, "cannot_fix": "no idea"}')),
        ]
    )
    sub = ToolAgent(llm, None).solve(problem)
    assert (sub.status, sub.message, sub.confidence) == ("cannot-fix", "no idea", 0.2)
    results = _tool_results(llm.seen[-1])
    assert results[0].startswith("error: arguments are not valid JSON")
    assert results[1].startswith("error: unknown tool 'delete_everything'")
    assert "'..' is not allowed" in results[2]
    assert results[3] == "error: no file 'nope.py'"
    assert results[4] == "not available: tests cannot be run for this task"
    assert results[5].startswith("error: calc.py: SEARCH text not found")
    assert results[6] == "error: confidence must be a number from 0 to 1"


def test_text_tool_calls_fallback(script, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script(
        [
            "Let me look.\n<tool_call>\n"
            '{"name": "read_file", "arguments": {"path": "calc.py"}}\n</tool_call>',
            f'```json\n{{"name": "edit", "arguments": {EDIT}}}\n```',
            "I could not call a tool, sorry.",
            '{"name": "submit", "arguments": {"confidence": 0.75}}',
        ]
    )
    sub = ToolAgent(llm, None).solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.75)
    assert "return sum(values) / len(values)\n" in (problem.checkout / "calc.py").read_text()
    sent = llm.seen[-1]
    assert sent[3]["role"] == "user" and sent[3]["content"].startswith("Result of read_file:\n")
    assert "tool_calls" not in sent[2]
    assert sent[5]["content"] == "Result of edit:\nedited calc.py (exact)"
    assert sent[7]["role"] == "user" and "<tool_call>" in sent[7]["content"]  # how to call
    assert sub.usage["calls"] == 4  # the reply without a call counted as a step


def test_text_verdict_without_call_submits(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    sub = ToolAgent(script([reply(("edit", EDIT)), "Done.\nCONFIDENCE: 0.6"]), None).solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.6)


def test_step_limit_keeps_edits(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([reply(("edit", EDIT))] + [reply(("list_files", "{}"))] * 10)
    sub = ToolAgent(llm, None, max_steps=3).solve(problem)
    assert sub.status == "limit"
    assert "step limit reached: 3 of 3" in sub.message
    assert len(llm.seen) == 3
    assert "return sum(values) / len(values)\n" in (problem.checkout / "calc.py").read_text()
    assert _trajectory(problem)["submission"]["status"] == "limit"


def test_time_limit(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]

    def clock() -> float:
        now[0] += 400
        return now[0]

    llm = script([reply(("list_files", "{}"))] * 5)
    sub = ToolAgent(llm, None, max_seconds=900, clock=clock).solve(problem)
    assert sub.status == "limit" and "time limit reached" in sub.message
    assert len(llm.seen) == 2


def test_model_errors(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    sub = ToolAgent(script([reply(("list_files", "{}")), BudgetExceeded("$1 spent")]), None).solve(
        problem
    )
    assert (sub.status, sub.message) == ("limit", "$1 spent")
    sub = ToolAgent(script([ModelError("connection refused")]), None).solve(problem)
    assert (sub.status, sub.message) == ("error", "connection refused")
    assert _trajectory(problem)["submission"]["status"] == "error"


def test_trajectory_written_after_every_step(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    seen_steps: list[int] = []
    path = problem.workdir / "trajectory.json"

    def look(messages: Sequence[Mapping[str, Any]]) -> ChatResponse:
        seen_steps.append(len(json.loads(path.read_text())["steps"]) if path.exists() else 0)
        return reply(("list_files", '{"path": "tests"}'))

    llm = script([look, look, look, reply(("submit", '{"confidence": 0.1}'))])
    ToolAgent(llm, None).solve(problem)
    assert seen_steps == [0, 1, 2]
    saved = json.loads(path.read_text())
    assert len(saved["steps"]) == 4
    assert saved["steps"][0]["tools"][0]["name"] == "list_files"
    assert "seconds" in saved["steps"][0]["tools"][0] and "model_s" in saved["steps"][0]
    assert not [
        p for p in problem.workdir.iterdir() if p.name != "trajectory.json"
    ]  # no temp files left


def test_schemas_are_well_formed() -> None:
    names = [t["function"]["name"] for t in TOOL_SCHEMAS]
    assert names == [
        "list_files",
        "read_file",
        "search",
        "find_symbol",
        "edit",
        "create_file",
        "run_tests",
        "submit",
    ]
    for tool in TOOL_SCHEMAS:
        params = tool["function"]["parameters"]
        assert params["type"] == "object"
        assert set(params["required"]) <= set(params["properties"])
    json.dumps(TOOL_SCHEMAS)


def _big_repo(problem: Problem) -> None:
    for k in range(4):  # four files of ~6,000 characters each
        lines = "".join(f"VALUE_{k}_{i} = {i}  # padding padding padding\n" for i in range(150))
        (problem.checkout / f"big{k}.py").write_text(lines)


def _read(k: int) -> tuple[str, str]:
    return ("read_file", json.dumps({"path": f"big{k}.py"}))


def test_old_tool_results_are_elided_to_fit_the_window(script, reply, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    _big_repo(problem)
    llm = script([reply(_read(k)) for k in range(4)] + [reply(("submit", '{"confidence": 0.5}'))])
    llm.context_window = 6_500  # room for about two results besides the prompt
    sub = ToolAgent(llm, None, answer_tokens=500).solve(problem)
    assert sub.status == "submitted"
    last = _tool_results(llm.seen[-1])
    assert [r.startswith("[output of read_file elided") for r in last] == [1, 1, 0, 0]
    assert "VALUE_3_149 = 149" in last[3] and "VALUE_2_0 = 0" in last[2]
    first_seen = _tool_results(llm.seen[1])
    assert "VALUE_0_0 = 0" in first_seen[0]  # nothing elided while it fitted
    saved = _trajectory(problem)
    assert all("elided" not in r for r in _tool_results(saved["messages"]))  # kept whole
    assert len(saved["elided"]) == 2


def test_an_overflow_elides_all_but_the_newest_and_retries_once(
    script, reply, problem: Problem
) -> None:  # type: ignore[no-untyped-def]
    _big_repo(problem)
    overflow = ContextOverflow("context length exceeded")
    llm = script(
        [reply(_read(k)) for k in range(3)] + [overflow, reply(("submit", '{"confidence": 0.5}'))]
    )
    sub = ToolAgent(llm, None).solve(problem)
    assert sub.status == "submitted"
    retried = _tool_results(llm.seen[-1])
    assert [r.startswith("[output of read_file elided") for r in retried] == [1, 1, 0]
    assert not any("elided" in r for r in _tool_results(llm.seen[-2]))

    llm = script([reply(_read(0)), reply(_read(1)), overflow, overflow])
    sub = ToolAgent(llm, None).solve(problem)
    assert (sub.status, sub.message) == ("limit", "context length exceeded")
    assert len(llm.seen) == 4  # one retry, then the overflow ends the attempt
