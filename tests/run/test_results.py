"""The results store survives a kill at any instant; the newest try of a task wins."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from proctor.errors import ConfigError
from proctor.grade.quality import QualityReport
from proctor.run import (
    AttemptKey,
    AttemptResult,
    ErrorCause,
    Outcome,
    ResultsStore,
    latest_results,
    read_results,
)
from proctor.run.results import MAX_TRIES


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
    assert sorted(done) == [AttemptKey("a"), AttemptKey("b")]
    text = store.path.read_text()
    assert text.endswith("\n")
    assert [line.count('"task_id"') for line in text.splitlines()] == [1, 1]


def test_result_json_without_line_is_appended_once(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "result.json").write_text(result("a").model_dump_json())
    assert list(store.finished()) == [AttemptKey("a")]
    assert list(store.finished()) == [AttemptKey("a")]
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
    a = AttemptKey("a")
    assert list(done) == [a, AttemptKey("b")]  # first-seen order
    assert done[a].outcome is Outcome.RESOLVED and done[a].tries == 2
    assert latest_results(store.path.read_text())[a].tries == 2


def test_a_retry_killed_before_its_line_is_recovered_from_its_folder(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    store.record(result("a", Outcome.ENVIRONMENT_ERROR, ErrorCause.INFRASTRUCTURE), tmp_path / "a")
    newer = result("a", tries=2)  # written to the folder, then killed before the append
    (tmp_path / "a" / "result.json").write_text(newer.model_dump_json())
    assert ResultsStore(tmp_path).finished()[AttemptKey("a")].tries == 2
    assert ResultsStore(tmp_path).finished()[AttemptKey("a")].tries == 2
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
    del old["error_cause"], old["tries"], old["sample"], old["round"]
    old["schema_version"] = 1
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


def test_the_manifest_records_how_the_latest_run_was_made(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "run")
    store.claim("m", "tasks/a", {"agent": "oneshot", "jobs": 2})
    store.claim("m", "tasks/a", {"agent": "oneshot", "jobs": 4})  # resumed with other options
    store.claim("m", "tasks/a")  # no options: what was recorded stays
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest == {"agent": "oneshot", "jobs": 4, "model": "m", "suite": "tasks/a"}
    with pytest.raises(ConfigError, match="not model 'n'"):
        store.claim("n", "tasks/a", {"agent": "tools"})
    assert json.loads((tmp_path / "run" / "run.json").read_text()) == manifest


def test_a_run_folder_that_is_a_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        ResultsStore(tmp_path / "f").claim("m", "s")
    with pytest.raises(ConfigError, match="part of the path is a file"):
        ResultsStore(tmp_path / "f" / "run").claim("m", "s")


# --- the format: typed fields, their order, versions ------------------------------------------

SAMPLES = Path(__file__).parent / "samples"


def test_a_misspelled_field_is_an_error() -> None:
    now = datetime.now(timezone.utc)
    fields = {"task_id": "a", "model": "m", "outcome": "resolved", "resolved": True}
    fields |= {"started_at": now, "finished_at": now}
    AttemptResult.model_validate(fields)
    with pytest.raises(ValidationError, match="outcme"):
        AttemptResult.model_validate({**fields, "outcme": "resolved"})
    with pytest.raises(ValidationError, match="f2p_pased"):
        AttemptResult(**fields, f2p_pased=1)


def test_field_order_is_the_format_and_new_fields_come_last() -> None:
    assert list(AttemptResult.model_fields) == [
        "schema_version",
        "task_id",
        "model",
        "outcome",
        "resolved",
        "holds_up",
        "f2p_passed",
        "f2p_total",
        "p2p_passed",
        "p2p_total",
        "message",
        "durations",
        "started_at",
        "finished_at",
        "sandbox",
        "model_status",
        "confidence",
        "restored",
        "tests",
        "notes",
        "integrity",
        "canaries",
        "quality",
        "error_cause",
        "tries",
        "patch_sha256",
        "tests_not_found",
        "sample",
        "round",
        "image_digest",
        "temperature",
        "seed",
        "feedback",
        "edits_first_try",
    ]
    raw = json.loads(result("a").model_dump_json())
    assert list(raw) == list(AttemptResult.model_fields)
    assert raw["schema_version"] == 3


def test_quality_is_typed_and_written_as_before() -> None:
    line = (SAMPLES / "v1-run" / "results.jsonl").read_text().splitlines()[0]
    written = json.loads(line)["quality"]
    report = QualityReport.model_validate(written)
    read = result("a").model_copy(update={"quality": report})
    assert isinstance(read.quality, QualityReport) and not read.quality.format.ok
    assert read.quality.format.findings[0].rule == "ruff"
    again = AttemptResult.model_validate_json(read.model_dump_json())
    assert (
        json.loads(again.model_dump_json())["quality"] == written == report.model_dump(mode="json")
    )


def test_version_1_lines_and_result_files_load() -> None:
    text = (SAMPLES / "v1-run" / "results.jsonl").read_text()
    done = latest_results(text)
    assert [k.task_id for k in done] == ["calc-1", "calc-2", "calc-3"]
    assert all(r.schema_version == 3 and (r.sample, r.round) == (0, 0) for r in done.values())
    resolved, api, tampered = done.values()
    assert resolved.holds_up and resolved.quality is not None and resolved.quality.lint.ok
    assert api.error_cause is ErrorCause.MODEL_API and api.tries == 1  # from its message
    assert tampered.integrity == ["a canary reported passed"] and tampered.tries == 2
    folder = AttemptResult.model_validate_json(
        (SAMPLES / "v1-run" / "calc-1" / "result.json").read_text()
    )
    assert folder == resolved


def test_version_1_ignored_unknown_fields_and_still_does() -> None:
    line = json.loads((SAMPLES / "v1-run" / "results.jsonl").read_text().splitlines()[1])
    read = AttemptResult.model_validate({**line, "written_by_a_fork": True})
    assert read.task_id == "calc-2"
    with pytest.raises(ValidationError, match="written_by_a_fork"):  # not in version 2
        AttemptResult.model_validate({**line, "schema_version": 2, "written_by_a_fork": True})


def test_version_2_lines_load_without_sampling() -> None:
    line = json.loads(result("a").model_dump_json())
    del line["temperature"], line["seed"]
    read = AttemptResult.model_validate({**line, "schema_version": 2})
    assert (read.schema_version, read.temperature, read.seed) == (3, None, None)


def test_an_old_run_folder_resumes_without_doubling(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(SAMPLES / "v1-run", run)
    before = (run / "results.jsonl").read_text()
    done = ResultsStore(run).finished()
    assert [str(k) for k in done] == ["calc-1", "calc-2", "calc-3"]
    assert (run / "results.jsonl").read_text() == before  # its result.json is the same try


def test_a_line_from_a_newer_proctor_is_refused_naming_where(tmp_path: Path) -> None:
    newer = json.loads(result("b").model_dump_json()) | {"schema_version": 4, "new": 1}
    text = result("a").model_dump_json() + "\n" + json.dumps(newer) + "\n"
    with pytest.raises(ConfigError, match=r"^results\.jsonl:2: schema_version 4 is newer"):
        latest_results(text)
    (tmp_path / "results.jsonl").write_text(text)
    with pytest.raises(ConfigError, match=r"results\.jsonl:2: schema_version 4 is newer"):
        ResultsStore(tmp_path).finished()
    with pytest.raises(ConfigError, match="upgrade proctor"):
        read_results(tmp_path)


# --- one key per attempt ------------------------------------------------------------------------


def test_attempt_keys_name_folders_and_slots() -> None:
    assert AttemptKey("a").folder == "a"  # as before samples existed: old run folders resume
    assert AttemptKey("a", 1).folder == "a@s1r0"
    assert AttemptKey("a", 0, 2).folder == "a@s0r2"
    assert AttemptKey("a", 1, 0, "f00").slot == AttemptKey("a", 1)
    assert AttemptKey("a", 0, 0, "f00").folder == "a"
    sample = result("a").model_copy(update={"sample": 1, "patch_sha256": "f00"})
    assert sample.key == AttemptKey("a", 1, 0, "f00")
    with pytest.raises(ValueError, match="count from 0"):
        AttemptKey("a", -1)


def test_two_samples_of_a_task_are_recorded_apart(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    first, second = result("a"), result("a").model_copy(update={"sample": 1})
    for one in (first, second):
        (tmp_path / one.key.folder).mkdir()
        store.record(one, tmp_path / one.key.folder)
    store.record(second, tmp_path / "a@s1r0")
    assert len(store.path.read_text().splitlines()) == 2
    done = ResultsStore(tmp_path).finished()
    assert done == {AttemptKey("a"): first, AttemptKey("a", 1): second}
    assert [r.sample for r in read_results(tmp_path)] == [0, 1]


def test_a_result_for_another_patch_takes_the_slot(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    (tmp_path / "a").mkdir()
    store.record(result("a").model_copy(update={"patch_sha256": "1"}), tmp_path / "a")
    store.record(result("a").model_copy(update={"patch_sha256": "2"}), tmp_path / "a")
    done = ResultsStore(tmp_path).finished()
    assert list(done) == [AttemptKey("a")] and done[AttemptKey("a")].patch_sha256 == "2"
