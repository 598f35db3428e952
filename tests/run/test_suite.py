"""run_suite: every task once, results in task order, and a clean stop when interrupted."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tests.run.test_results import result

from proctor.run import AttemptContext, AttemptResult, ResultsStore, run_suite
from proctor.run import suite as suite_mod
from proctor.settings import Settings
from proctor.spec import Task

STATEMENT = "Something is broken and should not be."


def _task(task_id: str) -> Task:
    return Task.model_validate(
        {
            "schema_version": 1,
            "id": task_id,
            "repo": "https://github.com/example/project",
            "base_commit": "0" * 40,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": STATEMENT,
            "reference": {"commit": "1" * 40},
            "hidden_tests": {
                "files": ["tests/test_x.py"],
                "fail_to_pass": ["tests/test_x.py::test_x"],
            },
        }
    )


class _Model:
    name = "fake"


def _result(task: Task) -> AttemptResult:
    return result(task.id).model_copy(update={"model": "fake"})


def _ctx(tmp_path: Path) -> AttemptContext:
    return AttemptContext(_Model(), None, Settings(cache_dir=tmp_path / "cache"))  # type: ignore[arg-type]


def test_every_task_once_in_task_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite_mod, "run_attempt", lambda task, ctx, adir: _result(task))
    tasks = [_task(t) for t in ("c", "a", "b")]
    got = run_suite(tasks, _ctx(tmp_path), tmp_path / "run", jobs=2)
    assert [r.task_id for r in got] == ["c", "a", "b"]
    assert sorted(ResultsStore(tmp_path / "run").finished()) == ["a", "b", "c"]


def test_an_interrupted_run_starts_nothing_more_and_records_no_late_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started: list[str] = []

    def attempt(task: Task, ctx: AttemptContext, adir: Path) -> AttemptResult:
        started.append(task.id)
        if task.id != "first":
            release.wait(10)  # in flight when the run is interrupted
        return _result(task)

    def on_result(result: AttemptResult, earlier: bool) -> None:
        raise SystemExit(143)  # what the CLI's SIGTERM handler raises

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    tasks = [_task(t) for t in ("first", "second", "third", "fourth")]
    run_dir = tmp_path / "run"
    with pytest.raises(SystemExit):
        run_suite(tasks, _ctx(tmp_path), run_dir, jobs=2, on_result=on_result)
    release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("ThreadPoolExecutor"):
            thread.join(10)
    assert sorted(ResultsStore(run_dir).finished()) == ["first"]
    assert started == ["first", "second", "third"]  # the fourth never started

    monkeypatch.setattr(suite_mod, "run_attempt", lambda task, ctx, adir: _result(task))
    resumed = run_suite(tasks, _ctx(tmp_path), run_dir, jobs=2)
    assert [r.task_id for r in resumed] == ["first", "second", "third", "fourth"]
