"""The SWE-bench-shaped per-run report: buckets, names, one file per sample."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from proctor.report import report_name, write_swebench_reports
from proctor.run import AttemptResult, Outcome

KEYS = [
    "total_instances",
    "submitted_instances",
    "completed_instances",
    "resolved_instances",
    "unresolved_instances",
    "empty_patch_instances",
    "error_instances",
    "completed_ids",
    "incomplete_ids",
    "empty_patch_ids",
    "submitted_ids",
    "resolved_ids",
    "unresolved_ids",
    "error_ids",
    "schema_version",
]
"""The keys SWE-bench's ``make_run_report`` writes, in its order."""


def _result(run_dir: Path, task: str, outcome: str, patch: str, sample: int = 0) -> AttemptResult:
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    result = AttemptResult(
        task_id=task,
        model="org/m",
        outcome=Outcome(outcome),
        resolved=outcome == "resolved",
        model_status="submitted",
        started_at=now,
        finished_at=now,
        sample=sample,
    )
    folder = run_dir / result.key.folder
    folder.mkdir(parents=True)
    (folder / "model.patch").write_text(patch)
    return result


def test_outcomes_land_in_swebench_buckets(tmp_path: Path) -> None:
    run_dir = tmp_path / "run-7"
    diff = "diff --git a/x b/x\n"
    results = [
        _result(run_dir, "a", "resolved", diff),
        _result(run_dir, "b", "unresolved", diff),
        _result(run_dir, "c", "unresolved", ""),
        _result(run_dir, "d", "environment-error", ""),
        _result(run_dir, "e", "tampered", diff),
    ]
    (path,) = write_swebench_reports(results, run_dir, "org/m", ["a", "b", "c", "d", "e", "f"])
    assert path.name == "org__m.run-7.json" == report_name("org/m", "run-7")
    report = json.loads(path.read_text())
    assert list(report)[: len(KEYS)] == KEYS
    assert report["resolved_ids"] == ["a"]
    assert report["unresolved_ids"] == ["b", "e"]
    assert report["empty_patch_ids"] == ["c"]
    assert report["error_ids"] == ["d"]
    assert report["incomplete_ids"] == ["f"]
    assert report["completed_ids"] == ["a", "b", "e"]
    assert (report["total_instances"], report["submitted_instances"]) == (6, 5)
    assert report["proctor_outcomes"]["e"] == "tampered"


def test_one_file_per_sample(tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    diff = "diff --git a/x b/x\n"
    results = [
        _result(run_dir, "a", "resolved", diff, 0),
        _result(run_dir, "a", "unresolved", diff, 1),
    ]
    paths = write_swebench_reports(results, run_dir, "m", ["a"])
    assert [p.name for p in paths] == ["m.r-sample0.json", "m.r-sample1.json"]
    assert json.loads(paths[1].read_text())["unresolved_ids"] == ["a"]
