"""Calibration against values worked out by hand on small made-up answer tables."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from tests.report.conftest import GRADED

from proctor.report.calibration import (
    Answer,
    answers_of,
    auroc,
    brier,
    calibration,
    ece,
    reliability_bins,
    risk_coverage,
)
from proctor.run import AttemptResult, Outcome

# 4 stated (two at 0.9, two at 0.3; one of each resolved), 1 missing, 1 cannot-fix; the
# resolved answer at 0.3 has no quality graded, so whether it holds up is unknown.
TABLE = [
    Answer(resolved=True, confidence=0.9, holds_up=True),
    Answer(resolved=False, confidence=0.9),
    Answer(resolved=False, confidence=0.3),
    Answer(resolved=False, confidence=None),
    Answer(resolved=False, confidence=None, cannot_fix=True),
    Answer(resolved=True, confidence=0.3, holds_up=None),
]


def test_every_figure_of_a_small_table_by_hand() -> None:
    cal = calibration(TABLE, excluded=2)
    assert (cal.answers, cal.excluded, cal.stated, cal.missing, cal.abstained) == (6, 2, 4, 1, 1)
    # (0.1^2 + 0.9^2 + 0.3^2 + 0.7^2) / 4 = (0.01 + 0.81 + 0.09 + 0.49) / 4
    assert cal.brier_resolved == pytest.approx(0.35)
    # bin 0.9: accuracy 0.5 vs 0.9, half the answers; bin 0.3: 0.5 vs 0.3, the other half
    assert cal.ece_resolved == pytest.approx(0.5 * 0.4 + 0.5 * 0.2)
    # resolved {0.9, 0.3} vs not {0.9, 0.3}: 1 win, 2 ties, 1 loss of 4 pairs
    assert cal.auroc_resolved == pytest.approx(0.5)
    # holds up: the 0.3 resolved answer is unknown and left out
    assert cal.holds_up_unknown == 1
    assert cal.brier_holds_up == pytest.approx((0.01 + 0.81 + 0.09) / 3)
    assert cal.ece_holds_up == pytest.approx(2 / 3 * 0.4 + 1 / 3 * 0.3)
    assert cal.confidently_wrong is not None and cal.honest_abstention is not None
    assert (cal.confidently_wrong.value, cal.confidently_wrong.n) == (pytest.approx(1 / 6), 6)
    assert (cal.honest_abstention.value, cal.honest_abstention.n) == (0.25, 4)
    assert [(p.threshold, p.accepted, p.coverage, p.accuracy) for p in cal.risk_coverage] == [
        (0.9, 2, 0.5, 0.5),
        (0.3, 4, 1.0, 0.5),
    ]
    assert [(b.low, b.n, b.accuracy) for b in cal.reliability] == [(0.3, 2, 0.5), (0.9, 2, 0.5)]


def test_one_answer() -> None:
    cal = calibration([Answer(resolved=True, confidence=0.7, holds_up=True)])
    assert cal.brier_resolved == pytest.approx(0.09)
    assert cal.ece_resolved == pytest.approx(0.3)
    assert cal.auroc_resolved is None  # one outcome: nothing to rank
    assert cal.confidently_wrong is not None and cal.confidently_wrong.value == 0.0
    assert cal.honest_abstention is None  # nothing unresolved to abstain on
    assert [(p.threshold, p.coverage, p.accuracy) for p in cal.risk_coverage] == [(0.7, 1.0, 1.0)]


def test_all_outcomes_equal_has_no_auroc_but_a_brier_score() -> None:
    pairs = [(0.2, False), (0.6, False), (0.6, False)]
    assert auroc(pairs) is None
    assert brier(pairs) == pytest.approx((0.04 + 0.36 + 0.36) / 3)
    assert ece(pairs) == pytest.approx(1 / 3 * 0.2 + 2 / 3 * 0.6)


def test_no_confidence_at_all_is_counted_never_imputed() -> None:
    cal = calibration([Answer(resolved=False), Answer(resolved=True, holds_up=True)])
    assert (cal.stated, cal.missing) == (0, 2)
    assert cal.brier_resolved is None and cal.ece_resolved is None and cal.auroc_resolved is None
    assert cal.risk_coverage == [] and cal.reliability == []
    assert cal.confidently_wrong is not None and cal.confidently_wrong.value == 0.0


def test_no_answers() -> None:
    cal = calibration([], excluded=3)
    assert (cal.answers, cal.excluded) == (0, 3)
    assert cal.confidently_wrong is None and cal.honest_abstention is None


def test_confident_from_exactly_point_eight() -> None:
    cal = calibration([Answer(False, 0.8), Answer(False, 0.79), Answer(True, 1.0)])
    assert cal.confidently_wrong is not None
    assert cal.confidently_wrong.value == pytest.approx(1 / 3)


def test_bins_edges_and_perfect_calibration() -> None:
    bins = reliability_bins([(0.3, True), (0.29, False), (1.0, True), (0.0, False)])
    assert [(b.low, b.high, b.n) for b in bins] == [
        (0.0, 0.1, 1),
        (0.2, 0.3, 1),
        (0.3, 0.4, 1),
        (0.9, 1.0, 1),  # 1.0 falls in the last bin
    ]
    assert ece([(1.0, True), (0.0, False)]) == 0.0
    assert brier([(1.0, True), (0.0, False)]) == 0.0


def test_auroc_perfect_and_reversed() -> None:
    assert auroc([(0.9, True), (0.1, False)]) == 1.0
    assert auroc([(0.1, True), (0.9, False)]) == 0.0


def test_risk_coverage_with_ties_at_a_threshold() -> None:
    points = risk_coverage([(0.5, True), (0.5, False), (0.5, False), (0.9, True)])
    assert [(p.threshold, p.accepted, p.accuracy) for p in points] == [
        (0.9, 1, 1.0),
        (0.5, 4, 0.5),
    ]


def test_empty_input_is_an_error_where_a_figure_needs_answers() -> None:
    with pytest.raises(ValueError, match="no answers"):
        brier([])
    with pytest.raises(ValueError, match="no answers"):
        ece([])


def _result(outcome: str, *, confidence: float | None = None, status: str = "") -> AttemptResult:
    return AttemptResult(
        task_id="t",
        model="m",
        outcome=Outcome(outcome),
        resolved=outcome == "resolved",
        holds_up=outcome == "resolved",
        quality=GRADED if outcome == "resolved" else None,
        confidence=confidence,
        model_status=status,
        started_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
        finished_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
    )


def test_answers_of_results_leave_out_environment_errors_and_tampered_is_not_resolved() -> None:
    results = [
        _result("resolved", confidence=0.9),
        _result("tampered", confidence=1.0),
        _result("environment-error", confidence=0.5),
        _result("unresolved", status="cannot-fix"),
    ]
    answers, excluded = answers_of(results)
    assert excluded == 1
    assert answers == [
        Answer(resolved=True, confidence=0.9, holds_up=True),
        Answer(resolved=False, confidence=1.0, holds_up=False),
        Answer(resolved=False, confidence=None, cannot_fix=True, holds_up=False),
    ]
    cal = calibration(answers, excluded)
    assert cal.confidently_wrong is not None
    assert cal.confidently_wrong.value == pytest.approx(1 / 3)  # the tampered answer
