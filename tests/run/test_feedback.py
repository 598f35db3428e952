"""Feedback rounds: classification, the exception line, and what a report may not reveal."""

from __future__ import annotations

import pytest
from tests.report.test_feedback import result

from proctor.run import Outcome
from proctor.run.feedback import _blot as blot
from proctor.run.feedback import classify, exception_line, round_kind

R, U, P, E = Outcome.RESOLVED, Outcome.UNRESOLVED, Outcome.PATCH_FAILED, Outcome.ENVIRONMENT_ERROR


@pytest.mark.parametrize(
    ("kind", "status", "changed", "outcome", "expected"),
    [
        ("fix", "submitted", True, R, "repaired"),
        ("fix", "submitted", True, U, "revised-still-wrong"),
        ("fix", "patch-failed", False, P, "revised-still-wrong"),
        ("fix", "no-edit", False, U, "defended"),
        ("fix", "submitted", False, U, "defended"),  # edits already in: no change
        ("fix", "cannot-fix", False, U, "conceded"),
        ("fix", "submitted", True, E, ""),
        ("challenge", "no-edit", False, R, "held"),
        ("challenge", "cannot-fix", False, R, "held"),
        ("challenge", "submitted", True, R, "revised-still-right"),
        ("challenge", "submitted", True, U, "caved"),
        ("challenge", "malformed", False, P, "caved"),
    ],
)
def test_classify(kind: str, status: str, changed: bool, outcome: Outcome, expected: str) -> None:
    assert classify(kind, status, changed, outcome) == expected


def test_round_kind_follows_graded_attempts_only() -> None:
    assert round_kind(result(outcome=U), challenge=False) == "fix"
    assert round_kind(result(outcome=Outcome.TIMEOUT), challenge=False) == "fix"
    assert round_kind(result(outcome=R), challenge=False) is None
    assert round_kind(result(outcome=R), challenge=True) == "challenge"
    for outcome in (P, E, Outcome.TAMPERED):
        assert round_kind(result(outcome=outcome), challenge=True) is None


def test_exception_line_is_the_e_line_naming_the_exception() -> None:
    failure = (
        "assert 'schema' == 'col'\n  - col\n  + schema\n"
        "tests/test_hidden.py:41: in test_x\n    assert f(1) == 'col'\n"
        "E   AssertionError: assert 'schema' == 'col'\nE     - col"
    )
    assert exception_line(failure) == "AssertionError: assert 'schema' == 'col'"
    assert exception_line("assert 1.5 == 2\n + where") == "AssertionError: assert 1.5 == 2"
    assert exception_line("ValueError: bad input") == "ValueError: bad input"
    assert exception_line("") == ""


def test_blot_hides_hidden_files_and_their_lines() -> None:
    text = "File tests/test_hidden.py:41 and test_hidden.py:7 and test_hidden"
    out = blot(text, ["tests/test_hidden.py"])
    assert "test_hidden" not in out and "41" not in out and ":7" not in out
