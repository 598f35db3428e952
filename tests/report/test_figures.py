"""The figures beside the resolve rate, from run folders and a suite made by hand."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from tests.report.conftest import GRADED

from proctor.report import (
    ModelRuns,
    build_comparison,
    calibration_table,
    consistency_table,
    differences_table,
    fairness_table,
    run_figures,
    task_facts,
    with_figures,
)
from proctor.run import AttemptResult, Outcome, read_results
from proctor.spec import Task, dump_task

CREATED = {"t1": "2024-01-01", "t2": "2024-08-01", "t3": "2024-10-01", "t4": "2025-01-01"}
REPOS = {"t1": "r1", "t2": "r1", "t3": "r2", "t4": "r2"}
DATES = {
    "m1": (date(2024, 6, 30), date(2024, 7, 1)),
    "m2": (date(2024, 9, 30), date(2024, 12, 15)),
}


def task(task_id: str) -> Task:
    return Task.model_validate(
        {
            "id": task_id,
            "repo": f"https://github.com/o/{REPOS[task_id]}",
            "base_commit": "a" * 40,
            "created_at": f"{CREATED[task_id]}T12:00:00Z",
            "problem_statement": "it is broken",
            "reference": {"commit": "b" * 40},
            "hidden_tests": {"files": ["tests/test_x.py"], "fail_to_pass": ["tests/test_x.py::t"]},
        }
    )


def write_suite(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for task_id in CREATED:
        (folder / f"{task_id}.yaml").write_text(dump_task(task(task_id)))
    return folder


def write_run(folder: Path, suite: Path, rows: list[dict[str, Any]]) -> Path:
    """A run folder of ``rows`` (task_id, outcome, and any other result field)."""
    folder.mkdir(parents=True)
    day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    lines = []
    for row in rows:
        outcome = Outcome(row["outcome"])
        fields = {"resolved": outcome is Outcome.RESOLVED, "started_at": day, "finished_at": day}
        if outcome is Outcome.RESOLVED:
            fields |= {"holds_up": True, "quality": GRADED}
        lines.append(AttemptResult(model="m", **(fields | row)).model_dump_json())
    (folder / "results.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "run.json").write_text(json.dumps({"model": "m", "suite": str(suite)}))
    return folder


@pytest.fixture
def runs(tmp_path: Path) -> list[ModelRuns]:
    suite = write_suite(tmp_path / "suite")
    m1 = [
        {"task_id": "t1", "outcome": "resolved", "confidence": 0.9},
        {"task_id": "t2", "outcome": "unresolved", "confidence": 0.9},
        {"task_id": "t3", "outcome": "resolved", "confidence": 0.6},
        {"task_id": "t4", "outcome": "environment-error", "confidence": 0.5},
    ]
    m2 = [
        {"task_id": "t1", "outcome": "resolved", "confidence": 0.7},
        {"task_id": "t2", "outcome": "resolved"},
        {"task_id": "t3", "outcome": "unresolved", "confidence": 0.2},
        {"task_id": "t4", "outcome": "unresolved", "model_status": "cannot-fix"},
    ]
    gold = [{"task_id": t, "outcome": "resolved", "confidence": 1.0} for t in CREATED]
    return [
        ModelRuns(name, issues=write_run(tmp_path / name, suite, rows))
        for name, rows in (("m1", m1), ("m2", m2), ("gold", gold))
    ]


def test_every_figure_of_a_comparison(runs: list[ModelRuns]) -> None:
    got = with_figures(build_comparison(runs, resamples=200), runs, DATES)
    m1, m2, gold = got.models
    assert (m1.cutoff, m1.released, gold.cutoff) == (*DATES["m1"], None)
    assert m1.calibration is not None and m2.calibration is not None
    assert (m1.calibration.answers, m1.calibration.excluded, m1.calibration.stated) == (3, 1, 3)
    assert (m2.calibration.missing, m2.calibration.abstained) == (1, 1)
    assert gold.calibration is None and gold.consistency is None  # no conversation: n/a
    split = m1.by_cutoff["issues_resolved"]
    assert split.after is not None and split.before is not None and split.delta is not None
    assert (split.after.value, split.after.n) == (0.5, 2)  # t2 and t3; t4 left out (error)
    assert (split.before.value, split.before.n) == (1.0, 1)
    assert split.delta.value == 0.5
    assert gold.by_cutoff["issues_resolved"].cutoff is None  # unknown, never assumed
    assert got.window is None and m1.same_window is None
    pairs = {(d.first, d.second): d for d in got.differences}
    assert set(pairs) == {("m1", "m2"), ("m1", "gold"), ("m2", "gold")}
    m1_m2 = pairs["m1", "m2"]  # t1..t3: m1 T F T, m2 T T F
    assert (m1_m2.tasks, m1_m2.repos, m1_m2.first_only, m1_m2.second_only) == (3, 2, 1, 1)
    assert m1_m2.p_value == 1.0 and not m1_m2.significant
    assert got.warnings == [
        "m1 was released 2024-07-01 and m2 2024-12-15, more than 3 months apart: "
        "compare them with --same-window"
    ]


def test_the_same_window_leaves_out_unknown_cutoffs_and_says_so(runs: list[ModelRuns]) -> None:
    got = with_figures(build_comparison(runs, resamples=200), runs, DATES, window=True)
    assert got.window is not None
    assert (got.window.start, got.window.tasks) == (date(2024, 9, 30), ["t3", "t4"])
    assert (got.window.models, got.window.unknown) == (["m1", "m2"], ["gold"])
    assert got.notes == [
        "same window: tasks created after 2024-09-30 (n=2); left out, training cutoff unknown: gold"
    ]
    m1, m2, gold = got.models
    assert m1.same_window is not None and m2.same_window is not None
    assert (m1.same_window.value, m1.same_window.n) == (1.0, 1)  # t4 was an error
    assert (m2.same_window.value, m2.same_window.n) == (0.0, 2)
    assert gold.same_window is None
    [only] = got.differences  # only between the models in the window, on its tasks
    assert (only.first, only.second, only.tasks, only.first_only) == ("m1", "m2", 1, 1)


def test_tables_say_na_for_baselines_and_unknown_cutoffs(runs: list[ModelRuns]) -> None:
    got = with_figures(build_comparison(runs, resamples=200), runs, DATES)
    console = Console(width=250, record=True)
    console.print(calibration_table([(m.model, m.calibration) for m in got.models]))
    console.print(fairness_table(got.models))
    console.print(differences_table(got.differences))
    text = console.export_text()
    gold_row = next(line for line in text.splitlines() if "│ gold" in line)
    assert gold_row.count("n/a") == 8 and "0.00" not in gold_row
    m1_row = next(line for line in text.splitlines() if "│ m1 " in line and "Brier" not in line)
    assert "│ 0.33 " in m1_row  # Brier: (0.1^2 + 0.9^2 + 0.4^2) / 3 = 0.327
    assert "unknown cutoff" in text and "2024-06-30 / 2024-07-01" in text
    assert "is the difference real?" in text and "McNemar" in text


def test_at_80_columns_the_calibration_table_has_one_row_per_figure(
    runs: list[ModelRuns],
) -> None:
    got = with_figures(build_comparison(runs, resamples=200), runs, DATES)
    console = Console(width=80, record=True)
    console.print(calibration_table([(m.model, m.calibration) for m in got.models], 80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    brier = next(line for line in lines if "Brier resolved" in line)
    assert "│ 0.33 " in brier and "n/a" in brier  # m1's Brier beside gold's n/a, not cut
    assert any("confidently wrong" in line for line in lines)


def test_run_figures_of_samples(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite")
    rows = [
        {"task_id": "t1", "outcome": "resolved", "sample": 0, "confidence": 0.8},
        {"task_id": "t1", "outcome": "unresolved", "sample": 1, "confidence": 0.8},
        {"task_id": "t2", "outcome": "resolved", "sample": 0, "confidence": 0.8},
        {"task_id": "t2", "outcome": "resolved", "sample": 1, "confidence": 0.8},
    ]
    results = read_results(write_run(tmp_path / "run", suite, rows))
    facts = task_facts([task(t) for t in CREATED])
    figures = run_figures("m1", results, facts, DATES["m1"])
    assert figures.consistency is not None and figures.calibration is not None
    assert figures.consistency.samples == 2 and figures.consistency.flipped == ["t1"]
    assert figures.consistency.pass_at[2] == 1.0 and figures.consistency.pass_hat[2] == 0.5
    assert figures.calibration.answers == 4
    before = figures.by_cutoff["issues_resolved"].before
    assert before is not None and before.value == 0.5  # t1: mean of its two samples
    console = Console(width=200, record=True)
    console.print(consistency_table([("m1", figures.consistency)]))
    text = console.export_text()
    assert "pass@2 100%" in text and "pass^2 50%" in text
    assert run_figures("gold", results, facts).calibration is None


def test_at_80_columns_the_fairness_table_has_one_row_per_figure(runs: list[ModelRuns]) -> None:
    got = with_figures(build_comparison(runs, resamples=200), runs, DATES, window=True)
    console = Console(width=80, record=True)
    console.print(fairness_table(got.models, window=True, width=80))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    after = next(line for line in lines if "after cutoff" in line)
    assert "50% [" in after and "n=2" in after  # m1's split, whole on one line
    assert any("unknown cutoff" in line for line in lines)  # gold: never assumed
    assert any("2024-06-30" in line for line in lines)
    assert any("same window" in line for line in lines)
