"""Run summaries: every outcome has a row style; weaker sandboxes are called out."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.console import Console

from proctor.grade.quality import CheckResult, QualityReport
from proctor.report import results_table, summarize, summary_table, weak_sandbox_note
from proctor.run import AttemptResult, Outcome

CHECKS = ("lint", "format", "conventions", "hygiene", "security")


def result(task: str, outcome: Outcome, sandbox: str = "bwrap", **extra: object) -> AttemptResult:
    now = datetime.now(timezone.utc)
    return AttemptResult.model_validate(
        {
            "task_id": task,
            "model": "m",
            "outcome": outcome,
            "resolved": outcome is Outcome.RESOLVED,
            "started_at": now,
            "finished_at": now,
            "sandbox": sandbox,
            **extra,
        }
    )


def render(table: object) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_every_outcome_renders_and_tampered_shows_its_evidence() -> None:
    results = [result(f"t{i}", o) for i, o in enumerate(Outcome)]
    results.append(result("forged", Outcome.TAMPERED, integrity=["a canary reported passed"]))
    text = render(results_table(results))
    assert "tampered" in text and "a canary reported passed" in text
    assert summarize(results).outcomes["tampered"] == 2
    assert "tampered" in render(summary_table(summarize(results)))


def test_weaker_sandboxes_are_named_once() -> None:
    assert weak_sandbox_note([result("a", Outcome.RESOLVED)]) is None
    note = weak_sandbox_note(
        [result("a", Outcome.RESOLVED, "none"), result("b", Outcome.UNRESOLVED, "unshare")]
    )
    assert note is not None
    assert note.startswith("2 attempt(s) ran with weaker isolation")
    assert "'none'" in note and "'unshare'" in note


def report(failing: str = "") -> QualityReport:
    return QualityReport(**{name: CheckResult(name=name, ok=name != failing) for name in CHECKS})


def test_holds_up_reads_the_typed_quality_report() -> None:
    rows = [
        result("clean", Outcome.RESOLVED, holds_up=True, quality=report()),
        result("lint", Outcome.RESOLVED, quality=report("lint")),
        result("ungraded", Outcome.RESOLVED),
    ]
    cells = {}
    for line in render(results_table(rows)).splitlines():
        row = [c.strip() for c in line.split("│")[1:-1]]
        if row:
            cells[row[0]] = row[2]
    assert cells == {"clean": "yes", "lint": "no (lint)", "ungraded": "-"}


def test_tables_fit_80_columns_with_whole_ids_and_notes_on_their_own_lines() -> None:
    note = "F2P test id not found: tests/test_parse.py::test_a_rather_long_name[case-7]"
    rows = [
        result("sqlparse-f66d12c-a-long-task-id", Outcome.RESOLVED),
        result("w3lib-1ed46a8", Outcome.ENVIRONMENT_ERROR, message=note),
    ]
    console = Console(width=80, record=True)
    console.print(results_table(rows, 80))
    console.print(summary_table(summarize(rows), 80))
    text = console.export_text()
    assert max(map(len, text.splitlines())) <= 80
    assert "sqlparse-f66d12c-a-long-task-id" in text and "environment-error" in text
    assert "w3lib-1ed46a8: F2P test id not found" in text.replace("\n", " ")
    assert "…" not in text  # nothing cut


def test_with_samples_the_headline_counts_sample_0_of_round_0_once_per_task() -> None:
    rows = [
        result("a", Outcome.RESOLVED, sample=0, holds_up=True),
        result("a", Outcome.UNRESOLVED, sample=1),
        result("a", Outcome.UNRESOLVED, sample=2),
        result("b", Outcome.UNRESOLVED, sample=0),
        result("b", Outcome.RESOLVED, sample=1),
        result("b", Outcome.RESOLVED, sample=2),
        result("b", Outcome.RESOLVED, sample=0, round=1),
    ]
    summary = summarize(rows)
    assert (summary.total, summary.resolved, summary.holds_up, summary.samples) == (2, 1, 1, 3)
    assert "2 (sample 0 of 3)" in render(summary_table(summary))
    assert "2 (sample 0 of 3)" in render(summary_table(summary, 80))
    single = summarize([result("a", Outcome.RESOLVED)])
    assert (single.total, single.samples) == (1, 1)
