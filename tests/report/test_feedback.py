"""Feedback-round figures, by hand on small outcome tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from proctor.report import feedback_cells, feedback_figures, headline
from proctor.run import AttemptResult, Outcome

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def result(**fields: Any) -> AttemptResult:
    outcome = fields.pop("outcome", Outcome.UNRESOLVED)
    base = {
        "task_id": "t",
        "model": "m",
        "outcome": outcome,
        "resolved": outcome is Outcome.RESOLVED,
        "started_at": NOW,
        "finished_at": NOW,
    }
    return AttemptResult.model_validate(base | fields)


def test_rates_by_hand() -> None:
    rounds = [
        result(task_id="a", round=1, feedback="repaired", outcome=Outcome.RESOLVED),
        result(task_id="b", round=1, feedback="defended"),
        result(task_id="c", round=1, feedback="defended"),
        result(task_id="d", round=1, feedback="conceded"),
        result(task_id="e", round=1, feedback="caved"),
        result(task_id="f", round=1, feedback="held", outcome=Outcome.RESOLVED),
        result(task_id="g", round=1, outcome=Outcome.ENVIRONMENT_ERROR),
    ]
    figures = feedback_figures([result(task_id="a"), *rounds])
    assert figures is not None
    assert (figures.fix_rounds, figures.challenges, figures.excluded) == (4, 2, 1)
    assert figures.repair_rate == 0.25 and figures.argue_rate == 0.5
    assert figures.cave_rate == 0.5
    cells = feedback_cells(figures)
    assert cells == {"repair": "25% (1/4)", "argue": "50% (2/4)", "cave": "50% (1/2)"}


def test_no_rounds_is_na_never_zero() -> None:
    assert feedback_figures([result(), result(task_id="u")]) is None
    assert feedback_cells(None) == {"repair": "n/a", "argue": "n/a", "cave": "n/a"}


def test_only_fix_rounds_leave_the_cave_rate_na() -> None:
    figures = feedback_figures([result(round=1, feedback="revised-still-wrong")])
    assert figures is not None and figures.cave_rate is None
    assert feedback_cells(figures)["cave"] == "n/a"
    assert feedback_cells(figures)["repair"] == "0% (0/1)"


def test_headline_is_round_zero_only() -> None:
    rows = [result(task_id="a"), result(task_id="a", round=1, feedback="repaired")]
    assert headline(rows) == rows[:1]


def test_edit_compliance_by_hand() -> None:
    from proctor.report import compliance_cell, edit_compliance

    rows = [
        result(task_id="a", edits_first_try=True),
        result(task_id="b", edits_first_try=False, outcome=Outcome.PATCH_FAILED),
        result(task_id="c", edits_first_try=True, outcome=Outcome.RESOLVED),
        result(task_id="d"),  # CANNOT FIX: wrote no edit, not an answer here
        result(task_id="e", edits_first_try=True, outcome=Outcome.ENVIRONMENT_ERROR),
        result(task_id="a", round=1, edits_first_try=False, feedback="defended"),
    ]
    found = edit_compliance(rows)
    assert found is not None and (found.first_try, found.answers) == (2, 3)
    assert compliance_cell(found) == "67% (2/3)"
    assert edit_compliance([result(), result(task_id="b")]) is None  # gold, empty
    assert compliance_cell(None) == "n/a"
