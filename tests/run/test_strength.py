"""Task strength's judgement of graded mutants (pure): caught, survived, or not counted."""

from __future__ import annotations

import pytest
from tests.run.test_results import result

from proctor.repo import Mutant
from proctor.run import ErrorCause, GradedMutant, Outcome, TaskStrength, Verdict
from proctor.run.strength import verdict
from proctor.spec import Strength


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Outcome.RESOLVED, Verdict.SURVIVED),
        (Outcome.UNRESOLVED, Verdict.CAUGHT),
        (Outcome.TIMEOUT, Verdict.CAUGHT),
        (Outcome.TAMPERED, Verdict.CAUGHT),
        (Outcome.ENVIRONMENT_ERROR, Verdict.NOT_COUNTED),
        (Outcome.PATCH_FAILED, Verdict.NOT_COUNTED),
    ],
)
def test_each_outcome_has_one_verdict(outcome: Outcome, expected: Verdict) -> None:
    assert verdict(result("t", outcome)) is expected


def graded(n: int, outcome: Outcome) -> GradedMutant:
    mutant = Mutant("off-by-one", f"m.py:{n}: `<` -> `<=` in `if a < b:`", "diff")
    cause = ErrorCause.INFRASTRUCTURE if outcome is Outcome.ENVIRONMENT_ERROR else None
    return GradedMutant(mutant, result("t", outcome, cause))


def test_errors_are_neither_caught_nor_survived() -> None:
    found = TaskStrength(
        "t",
        [
            graded(1, Outcome.UNRESOLVED),
            graded(2, Outcome.RESOLVED),
            graded(3, Outcome.ENVIRONMENT_ERROR),
            graded(4, Outcome.TIMEOUT),
        ],
    )
    assert found.strength == Strength(
        mutants=3, caught=2, survived=["off-by-one m.py:2: `<` -> `<=` in `if a < b:`"]
    )
    assert [g.mutant.description[:6] for g in found.having(Verdict.NOT_COUNTED)] == ["m.py:3"]


def test_no_mutants_is_measured_and_nothing_counted_is_not() -> None:
    assert TaskStrength("t").strength == Strength(mutants=0, caught=0)
    errors = TaskStrength("t", [graded(1, Outcome.ENVIRONMENT_ERROR)])
    assert errors.strength is None
    broken = TaskStrength("t", [graded(1, Outcome.UNRESOLVED)], problem="gold unresolved")
    assert broken.strength is None
