"""`proctor retrieve` end to end on a small git repository made at test time."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from proctor.cli.retrieve import retrieve
from proctor.spec import Task, dump_task


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(retrieve)
    return app


def _suite(tmp_path: Path, task: Task) -> Path:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / f"{task.id}.yaml").write_text(dump_task(task))
    return suite


def _args(suite: Path, tmp_path: Path, *more: str) -> list[str]:
    return [
        "--task",
        "calc-1",
        "--suite",
        str(suite),
        "--repos-dir",
        str(tmp_path / "repos"),
        *more,
    ]


def test_prints_the_context_then_the_localization(calc: tuple[Task, Path], tmp_path: Path) -> None:
    task, _ = calc
    suite = _suite(tmp_path, task)
    result = CliRunner().invoke(_app(), _args(suite, tmp_path, "--budget", "400"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(
        "Repository map (signatures of the most relevant definitions):\ncalc.py:\n"
    )
    assert "calc.py:9-11 (function mean)\n```python\ndef mean(values):\n" in out
    # add shares only its file with the statement: it may follow, never lead
    assert "(function add)" not in out or out.index("(function mean)") < out.index("(function add)")
    assert "-- hybrid: " in out
    assert "files 1/1, functions in context 1/1, functions in top 5 chunks 1/1" in out
    assert "   found   calc.py::mean" in out


def test_json_output_and_the_file_baseline(calc: tuple[Task, Path], tmp_path: Path) -> None:
    task, _ = calc
    suite = _suite(tmp_path, task)
    args = _args(suite, tmp_path, "--retriever", "bm25-files", "--json", "--budget", "30")
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["task"] == "calc-1" and payload["retriever"] == "bm25-files"
    assert payload["chunks"] == []  # calc.py (~55 tokens) does not fit in 30
    assert payload["text"] == "" and payload["tokens"] == 0
    assert payload["recall"]["files"] == {"found": [], "missed": ["calc.py"], "value": 0.0}


def test_unknown_task_or_retriever_is_one_error_line(
    calc: tuple[Task, Path], tmp_path: Path
) -> None:
    task, _ = calc
    suite = _suite(tmp_path, task)
    result = CliRunner().invoke(_app(), ["--task", "nope", "--suite", str(suite)])
    assert result.exit_code == 1
    assert "no task with id 'nope'" in result.output
    result = CliRunner().invoke(_app(), _args(suite, tmp_path, "--retriever", "magic"))
    assert result.exit_code == 1
    assert "unknown retriever 'magic'" in result.output
