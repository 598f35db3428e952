"""The results store survives a kill at any instant; the newest try of a task wins."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.run import AttemptResult, ErrorCause, Outcome, ResultsStore
from proctor.run.results import MAX_TRIES, latest_results


def result(
    task_id: str,
    outcome: Outcome = Outcome.RESOLVED,
    cause: ErrorCause | None = None,
    tries: int = 1,
) -> AttemptResult:
    now = datetime.now(timezone.utc)
    return AttemptResult(
        task_id=task_id,
        model="m",
        outcome=outcome,
        resolved=outcome is Outcome.RESOLVED,
        started_at=now,
        finished_at=now,
        error_cause=cause,
        tries=tries,
    )


def test_truncated_last_line_is_dropped_and_recovered_from_attempt_folder(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.claim("m", "suite")
    for tid in ("a", "b"):
        (tmp_path / tid).mkdir()
        store.record(result(tid), tmp_path / tid)
    raw = store.path.read_bytes()
    store.path.write_bytes(raw[: len(raw) - 20])  # killed mid-append of "b"
    done = ResultsStore(tmp_path).finished()
    assert sorted(done) == ["a", "b"]
    text = store.path.read_text()
    assert text.endswith("\n")
    assert [line.count('"task_id"') for line in text.splitlines()] == [1, 1]


def test_result_json_without_line_is_appended_once(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "result.json").write_text(result("a").model_dump_json())
    assert list(store.finished()) == ["a"]
    assert list(store.finished()) == ["a"]
    assert len(store.path.read_text().splitlines()) == 1


def test_recording_twice_does_not_double(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    once = result("a")
    store.record(once, tmp_path / "a")
    store.record(once, tmp_path / "a")
    assert len(store.path.read_text().splitlines()) == 1


def test_the_last_line_of_a_task_wins(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    store.record(result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.INFRASTRUCTURE), tmp_path / "a")
    store.record(result("b"), tmp_path / "b")
    store.record(result("a", tries=2), tmp_path / "a")  # the retry
    assert len(store.path.read_text().splitlines()) == 3
    done = ResultsStore(tmp_path).finished()
    assert list(done) == ["a", "b"]  # first-seen order
    assert done["a"].outcome is Outcome.RESOLVED and done["a"].tries == 2
    assert latest_results(store.path.read_text())["a"].tries == 2


def test_a_retry_killed_before_its_line_is_recovered_from_its_folder(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    store.record(result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.INFRASTRUCTURE), tmp_path / "a")
    newer = result("a", tries=2)  # written to the folder, then killed before the append
    (tmp_path / "a" / "result.json").write_text(newer.model_dump_json())
    assert ResultsStore(tmp_path).finished()["a"].tries == 2
    assert ResultsStore(tmp_path).finished()["a"].tries == 2
    assert len(store.path.read_text().splitlines()) == 2


def test_which_environment_errors_a_resume_retries() -> None:
    infra = result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.INFRASTRUCTURE)
    assert infra.retryable()
    assert not infra.model_copy(update={"tries": MAX_TRIES}).retryable()
    api = result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.MODEL_API)
    assert not api.retryable() and api.retryable(retry_errors=True)
    task = result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.TASK)
    assert not task.retryable()
    assert not result("a", Outcome.UNRESOLVED).retryable(retry_errors=True)


def test_records_without_a_cause_get_one_from_their_message() -> None:
    old = json.loads(result("a", Outcome.ENVIRONMENT_ERROR).model_dump_json())
    del old["error_cause"], old["tries"]
    for message, cause in [
        ("model error: HTTP 500", ErrorCause.MODEL_API),
        ("internal error: KeyError('x')", ErrorCause.INTERNAL),
        ("cannot clone https://x: timeout", ErrorCause.INFRASTRUCTURE),
    ]:
        read = AttemptResult.model_validate_json(json.dumps({**old, "message": message}))
        assert read.error_cause is cause and read.tries == 1


def test_a_run_folder_holds_one_model_on_one_suite(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "run")
    store.claim("m", "tasks/a")
    store.claim("m", "tasks/a")
    with pytest.raises(
        ConfigError,
        match=r"holds a run of model 'm' on suite 'tasks/a', "
        r"not model 'm' on suite 'tasks/b'",
    ):
        store.claim("m", "tasks/b")
    with pytest.raises(ConfigError, match="not model 'n'"):
        store.claim("n", "tasks/a")


def test_a_run_folder_that_is_a_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        ResultsStore(tmp_path / "f").claim("m", "s")
    with pytest.raises(ConfigError, match="part of the path is a file"):
        ResultsStore(tmp_path / "f" / "run").claim("m", "s")
