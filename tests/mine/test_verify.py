"""Judging test runs and reading node ids from JUnit XML (pure)."""

from __future__ import annotations

import pytest

from proctor.mine.junit import node_id, parse_report
from proctor.mine.verify import PytestRun, judge_runs, runnable_files

# Captured from pytest 8 (`--continue-on-collection-errors --junitxml=... -o
# junit_family=xunit1`): a collection error, classes, odd parametrize ids, a skip.
CAPTURED = (
    '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite '
    'name="pytest" errors="1" failures="2" skipped="1" tests="6" time="0.071">'
    '<testcase classname="" name="tests.test_b" file="tests/test_b.py" time="0.000">'
    '<error message="collection failure">ImportError</error></testcase>'
    '<testcase classname="tests.test_a.TestX" name="test_y" file="tests/test_a.py" line="2" '
    'time="0.000" />'
    '<testcase classname="tests.test_a.TestX" name="test_p[a::b]" file="tests/test_a.py" '
    'line="3" time="0.000" />'
    '<testcase classname="tests.test_a.TestX" name="test_p[c d]" file="tests/test_a.py" '
    'line="3" time="0.001"><failure message="AssertionError">x</failure></testcase>'
    '<testcase classname="tests.test_a" name="test_f" file="tests/test_a.py" line="5" '
    'time="0.000"><failure message="assert 0">x</failure></testcase>'
    '<testcase classname="tests.test_a" name="test_s" file="tests/test_a.py" line="6" '
    'time="0.000"><skipped type="pytest.skip" message="unconditional skip">s</skipped>'
    "</testcase></testsuite></testsuites>"
)


def test_parse_report_recovers_node_ids() -> None:
    report = parse_report(CAPTURED)
    assert report.statuses == {
        "tests/test_a.py::TestX::test_y": "passed",
        "tests/test_a.py::TestX::test_p[a::b]": "passed",
        "tests/test_a.py::TestX::test_p[c d]": "failed",
        "tests/test_a.py::test_f": "failed",
        "tests/test_a.py::test_s": "skipped",
    }
    assert report.collection_errors == ["tests/test_b.py"]


def test_the_worst_record_of_a_test_wins() -> None:
    xml = (
        '<testsuite><testcase classname="t" name="x" file="t.py"/>'
        '<testcase classname="t" name="x" file="t.py"><error message="teardown"/></testcase>'
        "</testsuite>"
    )
    assert parse_report(xml).statuses == {"t.py::x": "error"}


def test_node_id_needs_the_module_of_its_file() -> None:
    assert node_id("a/t.py", "a.t.C.D", "x") == "a/t.py::C::D::x"
    assert node_id("a/t.py", "b.t", "x") is None


@pytest.mark.parametrize("text", ["not xml", "<html/>"])
def test_parse_report_rejects_non_junit(text: str) -> None:
    with pytest.raises(ValueError):
        parse_report(text)


def test_only_test_modules_go_to_pytest() -> None:
    files = ["tests/test_a.py", "tests/conftest.py", "tests/__init__.py", "tests/data.json"]
    assert runnable_files(files) == ["tests/test_a.py"]


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
    assert PytestRun(None, 2, False, "boom").problem(after=False) == "no JUnit XML (exit 2): boom"
    assert PytestRun(report, 1, False).problem(after=False) is None
    assert PytestRun(report, 1, False).problem(after=True) == "collection error in tests/test_b.py"
    assert PytestRun(report, 4, False, "bad").problem(after=False) == "pytest exited 4: bad"
    empty = parse_report("<testsuite/>")
    assert PytestRun(empty, 5, False).problem(after=True) == "no tests collected"
