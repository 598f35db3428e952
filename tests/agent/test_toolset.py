"""The tools one by one, and reading tool calls out of plain text."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from proctor.agent import parse_text_tool_calls
from proctor.agent.errors import Submitted
from proctor.agent.toolset import Toolbox
from proctor.errors import SandboxError
from proctor.model.base import Problem
from proctor.model.llm import ToolCall
from proctor.sandbox.base import ExecResult


def run(box: Toolbox, tool: str, /, **args: object) -> str:
    return box.run(ToolCall("c", tool, json.dumps(args)))


def test_list_files(problem: Problem) -> None:
    box = Toolbox(problem)
    (problem.checkout / ".git").mkdir()
    assert run(box, "list_files") == "calc.py\ntests/"
    assert run(box, "list_files", path="tests") == "test_calc.py"
    assert run(box, "list_files", path=".", glob="*.py") == "calc.py\ntests/test_calc.py"
    assert run(box, "list_files", path=".", glob="tests/*.py") == "tests/test_calc.py"
    assert run(box, "list_files", path="calc.py").startswith("error: ")


def test_read_file_ranges(problem: Problem) -> None:
    box = Toolbox(problem)
    out = run(box, "read_file", path="calc.py", start_line=4, end_line=5)
    assert (
        out == '    4| def add(a, b):\n    5|     """Sum of a and b."""\n[calc.py: lines 4-5 of 11]'
    )
    assert run(box, "read_file", path="calc.py", start_line=50).startswith("[calc.py: lines 50-")
    assert run(box, "read_file", path="calc.py", start_line="x").startswith("error: argument")
    assert run(box, "read_file").startswith("error: missing argument 'path'")
    assert run(box, "read_file", path="/etc/passwd").startswith("error: '/etc/passwd': absolute")


def test_search_and_find_symbol(problem: Problem) -> None:
    box = Toolbox(problem)
    assert run(box, "search", regex=r"mean\(") == (
        "calc.py:9: def mean(values):\n"
        "tests/test_calc.py:4: def test_mean():\n"
        "tests/test_calc.py:5: assert mean([1, 2, 3]) == 2"
    )
    assert run(box, "search", regex="mean", path_glob="tests/*").startswith("tests/test_calc.py:1:")
    assert run(box, "search", regex="(").startswith("error: bad regular expression")
    assert run(box, "search", regex="zzz") == "(no matches)"
    assert run(box, "find_symbol", name="Calc.add") == "calc.py:4: def add(a, b):"
    assert run(box, "find_symbol", name="nothing") == "(no definition of 'nothing')"
    assert run(box, "find_symbol", name="a b").startswith("error:")


def test_find_symbol_and_ranked_search_read_the_retrieval_index(problem: Problem) -> None:
    (problem.checkout / "shapes.py").write_text(
        "import functools\n\n\nclass Box:\n    @functools.cache\n    def add(self, item):\n"
        "        return item\n"
    )
    box = Toolbox(problem)
    assert run(box, "find_symbol", name="add") == (
        "calc.py:4: def add(a, b):\nshapes.py:6: def add(self, item):"
    )
    assert run(box, "find_symbol", name="Box.add") == "shapes.py:6: def add(self, item):"
    ranked = run(box, "search", query="mean of values").split("\n")
    assert ranked[0] == "calc.py:9-11: function mean"
    assert all(" module " not in line for line in ranked)
    assert run(box, "search", query="mean", path_glob="tests/*") == (
        "tests/test_calc.py:4-5: function test_mean"
    )
    assert run(box, "search", query="zzz") == "(no matches)"
    assert run(box, "search").startswith("error: missing argument 'regex'")


def test_search_caps_output(problem: Problem) -> None:
    (problem.checkout / "big.py").write_text("x = 1\n" * 500)
    out = run(Toolbox(problem), "search", regex="x = 1")
    assert len(out.splitlines()) == 101 and out.endswith("narrow the request]")


def test_search_skips_symlinks_out_and_binaries(problem: Problem, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=abc\n")
    os.symlink(secret, problem.checkout / "leak.txt")
    (problem.checkout / "blob.bin").write_bytes(b"\0TOKEN")
    assert run(Toolbox(problem), "search", regex="TOKEN") == "(no matches)"


def test_create_file(problem: Problem) -> None:
    box = Toolbox(problem)
    assert run(box, "create_file", path="pkg/new.py", content="x = 1\n") == "created pkg/new.py"
    assert (problem.checkout / "pkg" / "new.py").read_text() == "x = 1\n"
    assert "exists; change it with edit" in run(box, "create_file", path="calc.py", content="")
    assert "off limits" in run(box, "create_file", path=".git/hooks/pre-commit", content="")


def test_edit_whitespace_tolerant(problem: Problem) -> None:
    box = Toolbox(problem)
    out = run(box, "edit", path="calc.py", search="return a + b", replace="return b + a")
    assert out == "edited calc.py (whitespace)"
    assert "    return b + a\n" in (problem.checkout / "calc.py").read_text()
    assert run(box, "edit", path="calc.py", search="", replace="x").startswith("error: search is")


def test_run_tests(problem: Problem) -> None:
    def slow(argv: object, timeout: float) -> ExecResult:
        return ExecResult(("python",), -9, "x" * 10_000, "killed", timeout, timed_out=True)

    out = run(Toolbox(replace(problem, exec=slow)), "run_tests", args="-k 'mean and not add'")
    assert out.startswith("timed out\n[...]\n") and out.endswith("killed")

    def broken(argv: object, timeout: float) -> ExecResult:
        raise SandboxError("bwrap is missing")

    assert run(Toolbox(replace(problem, exec=broken)), "run_tests") == "error: bwrap is missing"
    assert run(Toolbox(replace(problem, exec=slow)), "run_tests", args=[1]).startswith("error:")


def test_submit(problem: Problem) -> None:
    box = Toolbox(problem)
    with pytest.raises(Submitted) as done:
        run(box, "submit", confidence="80%")
    assert (done.value.submission.status, done.value.submission.confidence) == ("submitted", 0.8)
    assert run(box, "submit", confidence=3.5).startswith("error: confidence")
    assert run(box, "submit").startswith("error: confidence")


def test_arguments_encoded_twice(problem: Problem) -> None:
    box = Toolbox(problem)
    twice = json.dumps(json.dumps({"path": "tests"}))
    assert box.run(ToolCall("c", "list_files", twice)) == "test_calc.py"
    assert box.run(ToolCall("c", "list_files", "[1]")) == "error: arguments must be a JSON object"
    assert box.run(ToolCall("c", "list_files", "")).startswith("calc.py")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>',
            [("read_file", '{"path": "a.py"}')],
        ),
        (
            'I will search.\n```json\n{"name": "search", "arguments": {"regex": "def f"}}\n```',
            [("search", '{"regex": "def f"}')],
        ),
        (
            '<tool_call>{"name": "a", "arguments": {}}</tool_call>\n'
            '<tool_call>{"name": "b", "parameters": {"x": 1}}',  # unterminated last tag
            [("a", "{}"), ("b", '{"x": 1}')],
        ),
        (
            '[{"function": {"name": "edit", "arguments": "{\\"path\\": \\"a.py\\"}"}}]',
            [("edit", '{"path": "a.py"}')],
        ),
        (
            'Calling {"tool": "list_files", "args": {"path": "."}} now',
            [("list_files", '{"path": "."}')],
        ),
        ('```python\nd = {"a": 1}\n```\nNo call here {oops', []),
        ("Plain prose, no JSON.", []),
    ],
)
def test_parse_text_tool_calls(text: str, expected: list[tuple[str, str]]) -> None:
    calls = parse_text_tool_calls(text)
    assert [(c.name, c.arguments) for c in calls] == expected
    assert [c.id for c in calls] == [f"text-{k}" for k in range(1, len(calls) + 1)]
