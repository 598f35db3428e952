"""Scores split at the training cutoff, the common window and the release gap, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from proctor.report.fairness import (
    add_months,
    cutoff_split,
    difference_ci,
    release_gap,
    same_window,
)

CUTOFF = date(2024, 6, 30)
OUTCOMES = [
    (date(2024, 1, 1), 1.0),
    (date(2024, 6, 30), 1.0),  # on the cutoff day: before (it may have been seen)
    (date(2024, 7, 1), 0.0),
    (date(2024, 9, 1), 1.0),
]


def test_split_at_the_cutoff_with_the_contamination_delta() -> None:
    split = cutoff_split(OUTCOMES, CUTOFF, resamples=500)
    assert split.cutoff == CUTOFF
    assert split.before is not None and split.after is not None and split.delta is not None
    assert (split.before.value, split.before.n) == (1.0, 2)
    assert (split.after.value, split.after.n) == (0.5, 2)
    assert split.delta.value == 0.5 and split.delta.n == 4  # before - after
    assert split.delta.low <= 0.5 <= split.delta.high


def test_unknown_cutoff_is_unknown_never_assumed() -> None:
    split = cutoff_split(OUTCOMES, None)
    assert split.cutoff is None
    assert split.after is None and split.before is None and split.delta is None


def test_one_side_empty_has_no_delta() -> None:
    split = cutoff_split(OUTCOMES, date(2020, 1, 1))
    assert split.before is None and split.delta is None
    assert split.after is not None and split.after.value == 0.75


def test_difference_of_all_equal_sides_is_a_point() -> None:
    est = difference_ci([1.0, 1.0], [0.0], resamples=100)
    assert (est.value, est.low, est.high, est.n) == (1.0, 1.0, 1.0, 3)
    with pytest.raises(ValueError, match="both sides"):
        difference_ci([], [1.0])


def test_same_window_after_every_known_cutoff() -> None:
    cutoffs = {"a": date(2024, 1, 1), "b": date(2024, 6, 1), "c": None}
    created = {"t1": date(2024, 3, 1), "t2": date(2024, 6, 1), "t3": date(2024, 6, 2)}
    window = same_window(cutoffs, created)
    assert (window.start, window.tasks, window.models, window.unknown) == (
        date(2024, 6, 1),
        ["t3"],
        ["a", "b"],
        ["c"],
    )
    assert window.note == (
        "same window: tasks created after 2024-06-01 (n=1); left out, training cutoff unknown: c"
    )


def test_same_window_without_any_known_cutoff() -> None:
    window = same_window({"a": None}, {"t1": date(2024, 3, 1)})
    assert window.start is None and window.tasks == [] and window.unknown == ["a"]
    assert "no compared model has a known training cutoff" in window.note


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 9, 19), 3, date(2024, 12, 19)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 12, 1), 1, date(2025, 1, 1)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_release_gap_warns_only_past_three_months() -> None:
    assert release_gap({"a": date(2024, 9, 19), "b": date(2024, 11, 12)}) is None
    assert release_gap({"a": date(2024, 9, 19), "b": date(2024, 12, 19)}) is None  # exactly 3
    warning = release_gap({"a": date(2024, 9, 19), "b": date(2024, 12, 20), "c": None})
    assert warning == (
        "a was released 2024-09-19 and b 2024-12-20, more than 3 months apart: "
        "compare them with --same-window"
    )
    assert release_gap({"a": date(2020, 1, 1), "b": None}) is None  # one known date
