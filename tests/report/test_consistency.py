"""pass@k, pass^k and the flip rate over samples, against values worked out by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from proctor.report.consistency import consistency, outcomes_by_task, pass_hat_k
from proctor.run import AttemptResult, Outcome

T, F = True, False


def test_a_small_table_by_hand() -> None:
    table = {"t1": [T, F, T], "t2": [F, F, F], "t3": [T, T, T], "t4": [T]}
    got = consistency(table, excluded=1)
    assert (got.samples, got.tasks, got.excluded) == (3, 4, 1)
    assert got.pass_at[1] == pytest.approx((2 / 3 + 0 + 1 + 1) / 4)
    assert got.pass_hat[1] == pytest.approx((2 / 3 + 0 + 1 + 1) / 4)
    # k=2 over t1..t3: pass@2 of t1 = 1 - C(1,2)/C(3,2) = 1; pass^2 of t1 = C(2,2)/C(3,2) = 1/3
    assert got.pass_at[2] == pytest.approx(2 / 3)
    assert got.pass_hat[2] == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert got.pass_at[3] == pytest.approx(2 / 3)
    assert got.pass_hat[3] == pytest.approx(1 / 3)  # all three samples resolved: t3 only
    assert got.short == {1: 0, 2: 1, 3: 1}
    assert got.flipped == ["t1"]
    assert got.flip_rate is not None
    assert (got.flip_rate.value, got.flip_rate.n) == (pytest.approx(1 / 3), 3)


def test_one_sample_has_no_flip_rate() -> None:
    got = consistency({"t1": [T], "t2": [F]})
    assert got.samples == 1 and got.pass_at == {1: 0.5} and got.pass_hat == {1: 0.5}
    assert got.flip_rate is None and got.flipped == []


def test_all_equal_outcomes_never_flip() -> None:
    got = consistency({"t1": [T, T], "t2": [F, F]})
    assert got.flip_rate is not None and got.flip_rate.value == 0.0
    assert got.pass_at[2] == 0.5 and got.pass_hat[2] == 0.5


def test_nothing_graded() -> None:
    got = consistency({})
    assert (got.samples, got.tasks, got.pass_at, got.flip_rate) == (0, 0, {}, None)


@pytest.mark.parametrize(
    ("n", "c", "k", "want"), [(5, 5, 5, 1.0), (5, 4, 5, 0.0), (4, 2, 2, 1 / 6)]
)
def test_pass_hat_k(n: int, c: int, k: int, want: float) -> None:
    assert pass_hat_k(n, c, k) == pytest.approx(want)


def test_pass_hat_k_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        pass_hat_k(2, 3, 1)
    with pytest.raises(ValueError):
        pass_hat_k(2, 1, 3)


def _result(task: str, sample: int, outcome: str, round_: int = 0) -> AttemptResult:
    day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return AttemptResult(
        task_id=task,
        model="m",
        outcome=Outcome(outcome),
        resolved=outcome == "resolved",
        sample=sample,
        round=round_,
        started_at=day,
        finished_at=day,
    )


def test_outcomes_by_task_in_sample_order_without_errors_or_later_rounds() -> None:
    results = [
        _result("a", 1, "unresolved"),
        _result("a", 0, "resolved"),
        _result("a", 2, "environment-error"),
        _result("a", 0, "resolved", round_=1),
        _result("b", 0, "tampered"),
    ]
    by_task, excluded = outcomes_by_task(results)
    assert by_task == {"a": [T, F], "b": [F]}
    assert excluded == 1
