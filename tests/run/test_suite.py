"""run_suite: every task once, results in task order, and a clean stop when interrupted."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import pytest
from tests.run.test_results import result

from proctor.errors import ConfigError
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptKey,
    AttemptOptions,
    AttemptResult,
    ErrorCause,
    Outcome,
    ResultsStore,
    run_suite,
)
from proctor.run import suite as suite_mod
from proctor.run.lock import own_run_dir
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


def _result(one: AttemptInput) -> AttemptResult:
    """What run_attempt returns for ``one``: its key and try recorded."""
    key = one.key
    update = {"model": "fake", "tries": one.tries, "patch_sha256": key.patch_sha256}
    update |= {"sample": key.sample, "round": key.round}
    return result(key.task_id).model_copy(update=update)


def _ctx(tmp_path: Path) -> AttemptContext:
    options = AttemptOptions(Settings(cache_dir=tmp_path / "cache"))
    return AttemptContext(_Model(), None, options)  # type: ignore[arg-type]


def test_every_task_once_in_task_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite_mod, "run_attempt", lambda one, ctx, adir: _result(one))
    tasks = [_task(t) for t in ("c", "a", "b")]
    got = run_suite(tasks, _ctx(tmp_path), tmp_path / "run", jobs=2)
    assert [r.task_id for r in got] == ["c", "a", "b"]
    assert sorted(k.task_id for k in ResultsStore(tmp_path / "run").finished()) == ["a", "b", "c"]


def test_an_interrupted_run_starts_nothing_more_and_records_no_late_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started: list[str] = []

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        started.append(one.task.id)
        if one.task.id != "first":
            release.wait(10)  # in flight when the run is interrupted
        return _result(one)

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
    assert list(ResultsStore(run_dir).finished()) == [AttemptKey("first")]
    assert started == ["first", "second", "third"]  # the fourth never started

    monkeypatch.setattr(suite_mod, "run_attempt", lambda one, ctx, adir: _result(one))
    resumed = run_suite(tasks, _ctx(tmp_path), run_dir, jobs=2)
    assert [r.task_id for r in resumed] == ["first", "second", "third", "fourth"]


def _error(one: AttemptInput, cause: ErrorCause) -> AttemptResult:
    return _result(one).model_copy(
        update={
            "outcome": Outcome.ENVIRONMENT_ERROR,
            "resolved": False,
            "error_cause": cause,
            "message": "boom",
        }
    )


def test_infrastructure_errors_are_tried_again_on_resume_three_tries_in_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        calls.append(one.task.id)
        adir.mkdir(parents=True, exist_ok=True)
        return _error(one, ErrorCause.INFRASTRUCTURE)

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    tasks = [_task("a")]
    run_dir = tmp_path / "run"
    tries = [run_suite(tasks, _ctx(tmp_path), run_dir)[0].tries for _ in range(4)]
    assert tries == [1, 2, 3, 3]
    assert calls == ["a", "a", "a"]  # the fourth start retries nothing
    store = ResultsStore(run_dir)
    assert store.finished()[AttemptKey("a")].tries == 3
    assert len(store.path.read_text().splitlines()) == 3
    assert AttemptResult.model_validate_json((run_dir / "a" / "result.json").read_text()).tries == 3

    monkeypatch.setattr(suite_mod, "run_attempt", lambda one, ctx, adir: _result(one))
    (got,) = run_suite(tasks, _ctx(tmp_path), run_dir, retry_errors=True)
    assert got.outcome is Outcome.RESOLVED and got.tries == 4


def test_model_api_errors_are_tried_again_only_with_retry_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        calls.append(one.task.id)
        return _error(one, ErrorCause.MODEL_API)

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    tasks = [_task("a")]
    run_suite(tasks, _ctx(tmp_path), tmp_path / "run")
    run_suite(tasks, _ctx(tmp_path), tmp_path / "run")
    assert calls == ["a"]
    (got,) = run_suite(tasks, _ctx(tmp_path), tmp_path / "run", retry_errors=True)
    assert calls == ["a", "a"] and got.tries == 2


def test_a_changed_patch_is_attempted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        calls.append(one.task.id)
        return _result(one)

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    tasks = [_task("a"), _task("b")]
    run_dir = tmp_path / "run"
    run_suite(tasks, _ctx(tmp_path), run_dir, patch_sha256={"a": "1", "b": "1"})
    got = run_suite(tasks, _ctx(tmp_path), run_dir, patch_sha256={"a": "1", "b": "2"})
    assert calls == ["a", "b", "b"]
    assert [r.patch_sha256 for r in got] == ["1", "2"]
    assert ResultsStore(run_dir).finished()[AttemptKey("b")].patch_sha256 == "2"


def test_a_run_folder_in_use_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite_mod, "run_attempt", lambda one, ctx, adir: _result(one))
    run_dir = tmp_path / "run"
    with (
        own_run_dir(run_dir),
        pytest.raises(
            ConfigError, match=rf"run: in use by another proctor process \(pid {os.getpid()}\)"
        ),
    ):
        run_suite([_task("a")], _ctx(tmp_path), run_dir)
    assert not (run_dir / "results.jsonl").exists()
    assert len(run_suite([_task("a")], _ctx(tmp_path), run_dir)) == 1  # released


def test_leftovers_of_killed_attempts_are_removed_on_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    tasks = [_task("done"), _task("killed")]
    store = ResultsStore(run_dir)
    store.claim("fake", "")
    (run_dir / "done" / "checkout").mkdir(parents=True)
    store.record(_result(AttemptInput.first(tasks[0])), run_dir / "done")
    (run_dir / "killed" / "work").mkdir(parents=True)
    (run_dir / "unrelated" / "work").mkdir(parents=True)
    seen: dict[str, bool] = {}

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        seen[one.task.id] = adir.exists()
        return _result(one)

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    run_suite(tasks, _ctx(tmp_path), run_dir)
    assert seen == {"killed": False}  # its half-made folder was gone before it started again
    assert (run_dir / "done" / "result.json").is_file()
    assert not (run_dir / "done" / "checkout").exists()
    assert (run_dir / "unrelated" / "work").is_dir()  # not a task of this suite: not ours


def test_two_samples_of_a_task_are_recorded_and_resumed_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[AttemptKey] = []

    def attempt(one: AttemptInput, ctx: AttemptContext, adir: Path) -> AttemptResult:
        calls.append(one.key)
        assert adir.name == one.key.folder
        return _result(one)

    monkeypatch.setattr(suite_mod, "run_attempt", attempt)
    tasks = [_task("a"), _task("b")]
    run_dir = tmp_path / "run"
    got = run_suite(tasks, _ctx(tmp_path), run_dir, samples=2, jobs=2)
    assert [(r.task_id, r.sample) for r in got] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert sorted(calls) == [
        AttemptKey("a"),
        AttemptKey("a", 1),
        AttemptKey("b"),
        AttemptKey("b", 1),
    ]
    assert sorted(p.name for p in run_dir.iterdir() if p.is_dir()) == ["a", "a@s1r0", "b", "b@s1r0"]
    assert len((run_dir / "results.jsonl").read_text().splitlines()) == 4

    calls.clear()
    assert len(run_suite(tasks, _ctx(tmp_path), run_dir, samples=2)) == 4
    assert calls == []  # every sample finished: nothing again

    # a kill after a@s1r0 was written but before b@s1r0 was: only that one is made again
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    kept = [x for x in lines if AttemptResult.model_validate_json(x).key != AttemptKey("b", 1)]
    (run_dir / "results.jsonl").write_text("\n".join(kept) + "\n")
    (run_dir / "b@s1r0" / "result.json").unlink()
    got = run_suite(tasks, _ctx(tmp_path), run_dir, samples=2)
    assert calls == [AttemptKey("b", 1)]
    assert [(r.task_id, r.sample) for r in got] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]


def test_an_attempts_inputs_are_plain_data(tmp_path: Path) -> None:
    one = AttemptInput(_task("a"), AttemptKey("a", 1, 0, "f00"), tries=2)
    assert pickle.loads(pickle.dumps(one)) == one
    options = AttemptOptions(Settings(cache_dir=tmp_path / "cache"), keep_checkout=True)
    assert pickle.loads(pickle.dumps(options)) == options
    assert AttemptInput.first(_task("a")).key == AttemptKey("a")
    with pytest.raises(ValueError, match="not for task a"):
        AttemptInput(_task("a"), AttemptKey("b"))
