"""The comparison from run folders made by hand: nothing is run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from tests.report.conftest import GRADED, write_humaneval, write_results

import proctor.report
from proctor.errors import ConfigError
from proctor.report.compare import (
    Comparison,
    ModelComparison,
    ModelRuns,
    build_comparison,
    comparison_table,
    humaneval_scores,
    load_comparison,
    read_manifests,
    save_comparison,
    write_manifest,
)
from proctor.run import read_results

PAIRS = [
    ("lib-a-iso", "resolved"),
    ("lib-a-repo", "resolved"),
    ("lib-b-iso", "resolved"),
    ("lib-b-repo", "unresolved"),
    ("lib-c-iso", "resolved"),
    ("lib-c-repo", "patch-failed"),
    ("lib-d-iso", "environment-error"),  # left out, and so is its pair
    ("lib-d-repo", "unresolved"),
    ("lib-e-repo", "timeout"),  # no -iso twin: not a pair
]
ISSUES = [("i1", "resolved"), ("i2", "resolved"), ("i3", "unresolved"), ("i4", "timeout")]


def model_runs(tmp_path: Path) -> ModelRuns:
    return ModelRuns(
        "m",
        humaneval=write_humaneval(tmp_path / "he", [(1, 1), (1, 1), (1, 1), (1, 0)]),
        pairs=write_results(tmp_path / "pairs", PAIRS),
        issues=write_results(
            tmp_path / "issues",
            ISSUES,
            holds={"i1": True, "i2": False, "i3": False, "i4": False},
            quality={"i1": GRADED, "i2": GRADED, "i3": None, "i4": None},
        ),
    )


def test_every_part_is_scored_from_its_folder(tmp_path: Path) -> None:
    row = build_comparison([model_runs(tmp_path)]).models[0]
    assert row.humaneval is not None and row.humaneval.value == 0.75 and row.humaneval.n == 4
    assert row.isolated is not None and (row.isolated.value, row.isolated.n) == (1.0, 3)
    assert row.repo_level is not None and (row.repo_level.value, row.repo_level.n) == (0.2, 5)
    assert row.pairs == 3
    assert row.context_tax is not None
    assert row.context_tax.value == pytest.approx(2 / 3)  # a: 1-1, b: 1-0, c: 1-0
    assert row.context_tax.method == "paired-bootstrap"
    assert row.issues_resolved is not None and row.issues_resolved.value == 0.5
    assert row.issues_holds_up is not None and row.issues_holds_up.value == 0.25
    assert row.excluded == 1
    assert set(row.runs) == {"humaneval", "pairs", "issues"}


def test_intervals_bracket_the_estimates(tmp_path: Path) -> None:
    row = build_comparison([model_runs(tmp_path)]).models[0]
    for est in (row.humaneval, row.isolated, row.repo_level, row.issues_resolved):
        assert est is not None
        assert 0 <= est.low <= est.value <= est.high <= 1
        assert est.method == "wilson"  # a handful of 0/1 outcomes
    assert row.context_tax is not None
    assert -1 <= row.context_tax.low <= row.context_tax.value <= row.context_tax.high <= 1


def test_holds_up_is_unknown_when_quality_was_not_graded(tmp_path: Path) -> None:
    issues = write_results(
        tmp_path / "issues", ISSUES, holds={"i1": False, "i2": False}, quality={"i2": GRADED}
    )
    row = build_comparison([ModelRuns("m", issues=issues)]).models[0]
    assert row.issues_holds_up is not None  # i2 says it does not hold up: known
    assert row.issues_holds_up.n == 3
    older = write_results(tmp_path / "older", ISSUES)  # quality never graded
    row = build_comparison([ModelRuns("m", issues=older)]).models[0]
    assert row.issues_resolved is not None and row.issues_holds_up is None
    nothing = write_results(tmp_path / "nothing", [("i1", "unresolved")])
    row = build_comparison([ModelRuns("m", issues=nothing)]).models[0]
    assert row.issues_holds_up is not None and row.issues_holds_up.value == 0.0


def test_parts_not_run_are_none(tmp_path: Path) -> None:
    row = build_comparison([ModelRuns("m", pairs=write_results(tmp_path / "p", PAIRS))]).models[0]
    assert row.humaneval is None and row.issues_resolved is None and row.issues_holds_up is None
    assert row.isolated is not None


def test_results_reading_tolerates_kills_and_keeps_the_last_line(tmp_path: Path) -> None:
    run = write_results(tmp_path / "r", [("t1", "environment-error"), ("t1", "resolved")])
    with (run / "results.jsonl").open("a") as fh:
        fh.write('{"task_id": "t2", "outc')
    records = read_results(run)
    assert [(r.task_id, r.outcome.value) for r in records] == [("t1", "resolved")]


def test_humaneval_fractions_with_several_samples(tmp_path: Path) -> None:
    assert humaneval_scores(write_humaneval(tmp_path / "he", [(4, 1), (4, 4)])) == [0.25, 1.0]


def test_missing_folders_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="results"):
        build_comparison([ModelRuns("m", pairs=tmp_path / "none")])
    with pytest.raises(ConfigError, match="not a finished HumanEval run"):
        build_comparison([ModelRuns("m", humaneval=tmp_path / "none")])


def test_manifests_round_trip(tmp_path: Path) -> None:
    runs = model_runs(tmp_path / "compare" / "m")
    write_manifest(tmp_path / "compare" / "m", runs)
    write_manifest(tmp_path / "compare" / "n", ModelRuns("n"))
    data = json.loads((tmp_path / "compare" / "m" / "runs.json").read_text())
    assert data == {"model": "m", "humaneval": "he", "pairs": "pairs", "issues": "issues"}
    found = read_manifests([tmp_path / "compare"])
    assert [r.model for r in found] == ["m", "n"]
    assert found[0].pairs == runs.pairs and found[1].pairs is None
    assert read_manifests([tmp_path / "compare" / "n"]) == [found[1]]
    with pytest.raises(ConfigError, match=r"no runs\.json"):
        read_manifests([tmp_path])
    (tmp_path / "compare" / "n" / "runs.json").write_text("[]")
    with pytest.raises(ConfigError, match="not a runs manifest"):
        read_manifests([tmp_path / "compare"])


def test_comparison_json_round_trips_with_a_fixed_field_order(tmp_path: Path) -> None:
    comparison = build_comparison([model_runs(tmp_path)], resamples=500, seed=7)
    save_comparison(comparison, tmp_path / "out" / "comparison.json")
    assert load_comparison(tmp_path / "out" / "comparison.json") == comparison
    raw = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert list(raw) == [
        "schema_version",
        "created_at",
        "level",
        "resamples",
        "seed",
        "models",
        "differences",
        "window",
        "warnings",
        "notes",
    ]
    assert (raw["schema_version"], raw["resamples"], raw["seed"]) == (1, 500, 7)
    assert list(ModelComparison.model_fields) == [
        "model",
        "humaneval",
        "isolated",
        "repo_level",
        "context_tax",
        "issues_resolved",
        "issues_holds_up",
        "pairs",
        "excluded",
        "runs",
        "cutoff",
        "released",
        "calibration",
        "consistency",
        "by_cutoff",
        "same_window",
        "feedback",
        "edit_compliance",
    ]
    with pytest.raises(ConfigError, match="not a comparison"):
        load_comparison(tmp_path / "missing.json")


def test_seeded_intervals_are_reproducible(tmp_path: Path) -> None:
    runs = [model_runs(tmp_path)]
    first, second = build_comparison(runs), build_comparison(runs)
    assert first.models == second.models


def test_table_shows_rates_intervals_and_the_tax(tmp_path: Path) -> None:
    comparison = build_comparison([model_runs(tmp_path), ModelRuns("empty-handed")])
    console = Console(width=200, record=True)
    console.print(comparison_table(comparison))
    text = console.export_text()
    assert "HumanEval" in text and "context" in text and "holds up" in text
    assert "75%" in text and "[30,95]" in text and "n=4" in text  # Wilson, 3 of 4
    assert "+67 pp" in text and "pairs=3" in text
    assert "empty-handed" in text and "n/a" in text


def test_public_api() -> None:
    assert proctor.report.__all__ == [
        "COMPARISON_FILE",
        "CSP",
        "FIGURES_FILE",
        "INDEX",
        "REPORT_DIR",
        "WEAK_BELOW",
        "Calibration",
        "Comparison",
        "Compliance",
        "Consistency",
        "CutoffSplit",
        "Estimate",
        "FeedbackFigures",
        "ModelComparison",
        "ModelRuns",
        "PairedDifference",
        "RunFigures",
        "RunFolder",
        "SuiteStats",
        "Summary",
        "Window",
        "WordCounts",
        "bootstrap_ci",
        "build_comparison",
        "calibration_table",
        "comparison_plots",
        "comparison_svg",
        "comparison_table",
        "compliance_cell",
        "consistency_table",
        "context_tax_svg",
        "cutoff_split_svg",
        "differences_table",
        "edit_compliance",
        "fairness_table",
        "feedback_cells",
        "feedback_figures",
        "feedback_table",
        "headline",
        "is_weak",
        "load_comparison",
        "paired_bootstrap_ci",
        "rate_ci",
        "read_manifests",
        "read_run",
        "reliability_svg",
        "report_name",
        "results_table",
        "risk_coverage_svg",
        "run_figures",
        "save_comparison",
        "serve_report",
        "suite_stats",
        "suite_stats_table",
        "summarize",
        "summary_table",
        "swebench_report",
        "task_facts",
        "task_strength",
        "weak_sandbox_note",
        "wilson_ci",
        "with_figures",
        "write_manifest",
        "write_plot",
        "write_report",
        "write_swebench_reports",
    ]
    assert all(hasattr(proctor.report, name) for name in proctor.report.__all__)
    assert isinstance(build_comparison([]), Comparison)


def test_with_samples_the_headline_rate_is_over_tasks_from_sample_0(tmp_path: Path) -> None:
    issues = write_results(tmp_path / "issues", [("i1", "resolved"), ("i2", "unresolved")])
    lines = (issues / "results.jsonl").read_text().splitlines()
    extra = []
    for line in lines:  # samples 1 and 2 of each task turn the other way
        raw = json.loads(line)
        flipped = "unresolved" if raw["outcome"] == "resolved" else "resolved"
        for sample in (1, 2):
            extra.append(
                json.dumps(
                    raw | {"sample": sample, "outcome": flipped, "resolved": not raw["resolved"]}
                )
            )
    (issues / "results.jsonl").write_text("\n".join(lines + extra) + "\n")
    row = build_comparison([ModelRuns("m", issues=issues)]).models[0]
    assert row.issues_resolved is not None
    assert (row.issues_resolved.value, row.issues_resolved.n) == (0.5, 2)  # not n=6
