"""The results store survives a kill at any instant."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from proctor.run import AttemptResult, Outcome, ResultsStore


def result(task_id: str) -> AttemptResult:
    now = datetime.now(timezone.utc)
    return AttemptResult(
        task_id=task_id,
        model="m",
        outcome=Outcome.RESOLVED,
        resolved=True,
        started_at=now,
        finished_at=now,
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
    store.record(result("a"), tmp_path / "a")
    store.record(result("a"), tmp_path / "a")
    assert len(store.path.read_text().splitlines()) == 1
