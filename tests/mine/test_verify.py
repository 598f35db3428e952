"""Judging test runs (pure)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.testrun.test_pytest_report import CAPTURED

from proctor.mine.verify import (
    CandidateCheck,
    PytestRun,
    clock_made,
    judge_runs,
    without,
)
from proctor.testrun import get_runner

parse_report = get_runner("pytest").parse

P, F, E = "passed", "failed", "error"


def test_fail_to_pass_and_pass_to_pass() -> None:
    before = {"t::old": P, "t::fixed": F, "t::erred": E, "t::skipped": "skipped"}
    after = {"t::old": P, "t::fixed": P, "t::erred": P, "t::new": P, "t::skipped": P}
    verdict = judge_runs([before, before], [after, after])
    assert verdict.reason is None
    assert verdict.fail_to_pass == ["t::erred", "t::fixed", "t::new"]
    assert verdict.pass_to_pass == ["t::old"]


def test_flaky_tests_are_left_out() -> None:
    verdict = judge_runs(
        [{"t::a": F, "t::b": P, "t::c": P}, {"t::a": F, "t::b": F, "t::c": P}],
        [{"t::a": P, "t::b": P, "t::c": P}, {"t::a": P, "t::b": P, "t::c": F}],
    )
    assert verdict.flaky == ["t::b", "t::c"]
    assert (verdict.fail_to_pass, verdict.pass_to_pass, verdict.reason) == (["t::a"], [], None)


def test_a_flaky_fail_to_pass_is_dropped_and_may_leave_none() -> None:
    verdict = judge_runs([{"t::a": F}, {"t::a": F}], [{"t::a": P}, {"t::a": F}])
    assert verdict.reason == "no FAIL_TO_PASS test (flaky: t::a)"


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        (
            {"t::a": P, "t::b": F},
            {"t::a": F, "t::b": P},
            "the fix breaks tests that passed before: t::a",
        ),
        ({"t::a": P}, {"t::b": P}, "the fix breaks tests that passed before: t::a"),
        ({"t::b": F}, {"t::a": F, "t::b": P}, "tests fail after the fix: t::a"),
        ({"t::a": P}, {"t::a": P}, "no FAIL_TO_PASS test"),
        ({"t::a": F, "t::b": F}, {"t::a": F, "t::b": P}, None),
    ],
)
def test_rejections(before: dict[str, str], after: dict[str, str], reason: str | None) -> None:
    assert judge_runs([before], [after]).reason == reason


def test_long_lists_are_cut_in_reasons() -> None:
    after = {f"t::{i}": F for i in range(5)}
    assert judge_runs([{}], [after]).reason == (
        "tests fail after the fix: t::0, t::1, t::2 (+2 more)"
    )


def test_run_problems() -> None:
    report = parse_report(CAPTURED)
    assert PytestRun(None, 1, True).problem(after=True) == "the test run timed out"
    assert PytestRun(None, 2, False, "boom").problem(after=False) == "no report (exit 2): boom"
    assert PytestRun(report, 1, False).problem(after=False) is None
    assert PytestRun(report, 1, False).problem(after=True) == "collection error in tests/test_b.py"
    assert PytestRun(report, 4, False, "bad").problem(after=False) == "pytest exited 4: bad"
    empty = parse_report("<testsuite/>")
    assert PytestRun(empty, 5, False).problem(after=True) == "no tests collected"


def test_tests_that_fail_run_by_id_are_left_out() -> None:
    verdict = CandidateCheck(["t::a", "t::b"], ["t::c", "t::lint::format"], ["t::f"])
    assert without(verdict, []) is verdict
    kept = without(verdict, ["t::lint::format", "t::a"])
    assert kept == CandidateCheck(["t::b"], ["t::c"], ["t::f"], None, ["t::a", "t::lint::format"])
    gone = without(verdict, ["t::a", "t::b"])
    assert gone.fail_to_pass == [] and gone.pass_to_pass == ["t::c", "t::lint::format"]
    assert gone.reason == "no FAIL_TO_PASS test passes run by its id: t::a, t::b"


def test_ids_made_from_the_clock() -> None:
    today = date(2026, 3, 9)
    for made in ("t[2026-03-09]", "t[03-09-2026 18:46:55]", "t[09/03/2026]", "t[x-2026/03/09]"):
        assert clock_made(made, today), made
    for kept in ("t[2026-03-10]", "t[2026-3-9]", "t[20260309]", "t::test_2026"):
        assert not clock_made(kept, today), kept


def test_a_clock_made_id_is_flaky_not_a_fail_to_pass() -> None:
    before = {"t::a": F, "t::when[2026-03-09 10:00:01]": P}
    after = {"t::a": P, "t::when[2026-03-09 10:00:02]": P}
    verdict = judge_runs([before], [after], date(2026, 3, 9))
    assert verdict.fail_to_pass == ["t::a"] and verdict.pass_to_pass == []
    assert verdict.flaky == ["t::when[2026-03-09 10:00:01]", "t::when[2026-03-09 10:00:02]"]
    assert verdict.reason is None


def test_a_vanished_test_rejects_but_is_named_for_a_second_run() -> None:
    verdict = judge_runs([{"t::a": F, "t::x[1]": P}], [{"t::a": P, "t::x[2]": P}])
    assert verdict.reason == "the fix breaks tests that passed before: t::x[1]"
    assert verdict.vanished == ["t::x[1]"]
    again = judge_runs(
        [{"t::a": F, "t::x[1]": P}, {"t::a": F, "t::x[3]": P}],
        [{"t::a": P, "t::x[2]": P}, {"t::a": P, "t::x[4]": P}],
    )  # ids that change from run to run are flaky
    assert (again.reason, again.fail_to_pass, again.pass_to_pass) == (None, ["t::a"], [])


def test_a_test_failing_after_in_a_file_that_did_not_load_before_is_left_out() -> None:
    before: dict[str, str] = {}  # t.py imports what the fix adds: nothing of it loaded
    after = {"t.py::new": P, "t.py::old_needs_autoload": F, "u.py::new": F}
    verdict = judge_runs([before], [after], unloaded_before={"t.py"})
    assert verdict.reason == "tests fail after the fix: u.py::new"
    after.pop("u.py::new")
    verdict = judge_runs([before], [after], unloaded_before={"t.py"})
    assert (verdict.reason, verdict.fail_to_pass, verdict.pass_to_pass) == (None, ["t.py::new"], [])
    alone = judge_runs([before], [{"t.py::old_needs_autoload": F}], unloaded_before={"t.py"})
    assert alone.reason == "tests fail after the fix: t.py::old_needs_autoload"
