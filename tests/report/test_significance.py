"""Paired differences: exact McNemar and the repository-then-task bootstrap, by hand."""

from __future__ import annotations

import pytest

from proctor.report.significance import (
    hierarchical_bootstrap_ci,
    mcnemar_exact,
    paired_difference,
)
from proctor.report.stats import bootstrap_ci


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (0, 0, 1.0),  # no discordant task: no evidence at all
        (3, 0, 0.25),  # 2 * (1/2)^3
        (0, 3, 0.25),  # symmetric
        (5, 1, 14 / 64),  # 2 * (C(6,0) + C(6,1)) / 2^6
        (10, 0, 2 / 1024),
        (2, 2, 1.0),  # 2 * 11/16 capped at 1
        (1, 0, 1.0),
    ],
)
def test_mcnemar_exact_by_hand(b: int, c: int, p: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(p)


def test_mcnemar_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        mcnemar_exact(-1, 2)


def test_all_equal_differences_have_a_point_interval() -> None:
    est = hierarchical_bootstrap_ci([[0.5, 0.5], [0.5]], resamples=200)
    assert (est.value, est.low, est.high, est.n) == (0.5, 0.5, 0.5, 3)
    assert est.method == "hierarchical-bootstrap"


def test_one_value() -> None:
    est = hierarchical_bootstrap_ci([[1.0]], resamples=50)
    assert (est.value, est.low, est.high, est.n) == (1.0, 1.0, 1.0, 1)


def test_clustered_tasks_widen_the_interval_against_a_flat_bootstrap() -> None:
    # Two repositories whose tasks all agree: the repository, not the task, is the unit.
    groups = [[1.0] * 8, [0.0] * 8]
    nested = hierarchical_bootstrap_ci(groups, resamples=2000, seed=1)
    flat = bootstrap_ci([v for g in groups for v in g], resamples=2000, seed=1)
    assert nested.value == flat.value == 0.5
    # Drawing the same repository twice (half the resamples) gives 0 or 1 exactly.
    assert (nested.low, nested.high) == (0.0, 1.0)
    assert flat.high - flat.low < 0.6


def test_seeded_and_deterministic() -> None:
    groups = [[1.0, 0.0, 1.0], [0.0, -1.0], [1.0]]
    assert hierarchical_bootstrap_ci(groups, seed=3) == hierarchical_bootstrap_ci(groups, seed=3)


def test_bad_groups_are_errors() -> None:
    with pytest.raises(ValueError, match="no empty group"):
        hierarchical_bootstrap_ci([[1.0], []])
    with pytest.raises(ValueError, match="no empty group"):
        hierarchical_bootstrap_ci([])
    with pytest.raises(ValueError, match="level"):
        hierarchical_bootstrap_ci([[1.0]], level=1.5)


def test_paired_difference_on_the_shared_tasks() -> None:
    first = {"t1": True, "t2": True, "t3": False, "t4": True}
    second = {"t1": False, "t2": True, "t3": False, "t5": True}
    diff = paired_difference(("a", first), ("b", second), {"t1": "r1", "t2": "r1"}, seed=0)
    assert diff is not None
    assert (diff.first, diff.second, diff.tasks, diff.repos) == ("a", "b", 3, 2)  # t3 alone
    assert (diff.first_rate, diff.second_rate) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert diff.difference.value == pytest.approx(1 / 3) and diff.difference.n == 3
    assert (diff.first_only, diff.second_only) == (1, 0)
    assert diff.p_value == 1.0 and not diff.significant
    assert diff.unpaired == 2  # t4 and t5, each graded for one model only


def test_significant_when_mcnemar_is_below_alpha() -> None:
    first = {f"t{i}": True for i in range(10)}
    second = {f"t{i}": False for i in range(10)}
    diff = paired_difference(("a", first), ("b", second), {})
    assert diff is not None
    assert diff.p_value == pytest.approx(2 / 1024) and diff.significant
    assert diff.difference.value == 1.0


def test_no_shared_task_is_none() -> None:
    assert paired_difference(("a", {"x": True}), ("b", {"y": True}), {}) is None
