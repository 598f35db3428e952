"""Canary evidence judged from a report made by hand: which absences are honest."""

from __future__ import annotations

from proctor.grade.canary import Canary, CanaryPlan
from proctor.grade.integrity import canary_evidence
from proctor.testrun import Status, TestReport

PLAN = CanaryPlan(
    canaries=[
        Canary("t/test_a.py::test_must_fail", "fail"),
        Canary("t/test_a.py::test_must_pass", "pass"),
    ]
)
HIDDEN = ["t/test_a.py::test_fix", "t/test_a.py::test_other"]


def report(**cases: Status) -> TestReport:
    return TestReport(cases={f"t/test_a.py::{name}": status for name, status in cases.items()})


def test_a_session_that_ended_early_under_a_failing_fix_is_no_evidence() -> None:
    # pytest stopped (an internal error, memory) after the hidden tests of the file had run
    ran = report(test_fix=Status.FAILED, test_other=Status.PASSED)
    hidden = ran.statuses_for(HIDDEN)
    assert canary_evidence(PLAN, ran, hidden) == []


def test_a_missing_must_fail_canary_beside_passing_hidden_tests_is_evidence() -> None:
    forged = report(test_fix=Status.PASSED, test_other=Status.PASSED, test_must_pass=Status.PASSED)
    hidden = forged.statuses_for(HIDDEN)
    assert canary_evidence(PLAN, forged, hidden) == [
        "a canary test that must fail was reported missing"
    ]


def test_a_must_fail_canary_reported_passed_is_evidence_whatever_else_failed() -> None:
    forged = report(test_fix=Status.FAILED, test_must_fail=Status.PASSED)
    hidden = forged.statuses_for(HIDDEN)
    assert canary_evidence(PLAN, forged, hidden) == [
        "a canary test that must fail was reported passed"
    ]
