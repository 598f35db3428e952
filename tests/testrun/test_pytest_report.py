"""pytest's JUnit XML read into statuses by node id, and the argv of a pytest run (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor import testrun
from proctor.errors import GradingError
from proctor.testrun import RunOptions, Status
from proctor.testrun.pytest_ids import junit_key, node_id

PYTEST = testrun.get_runner("pytest")

# Captured from pytest 8 --junitxml on a small suite (pass, fail, error, skip, param, class).
XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1"
tests="6" time="0.05">
<testcase classname="tests.test_a" name="test_ok" time="0.001" />
<testcase classname="tests.test_a" name="test_bad" time="0.001"><failure message="assert 1 == 2">
E assert 1 == 2</failure></testcase>
<testcase classname="tests.test_a.TestK" name="test_m[a-b]" time="0.001" />
<testcase classname="tests.test_a" name="test_skip" time="0.0"><skipped type="pytest.skip"
message="no">tests/test_a.py:9: no</skipped></testcase>
<testcase classname="tests.test_a" name="test_fixture" time="0.0"><error message="failed on setup">
E fixture 'nope' not found</error></testcase>
<testcase classname="tests.test_a" name="test_teardown" time="0.001" />
<testcase classname="tests.test_a" name="test_teardown" time="0.001">
<error message="teardown">x</error></testcase>
</testsuite></testsuites>"""

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


def test_junit_key_mangles_like_pytest() -> None:
    assert junit_key("tests/test_a.py::test_ok") == ("tests.test_a", "test_ok")
    assert junit_key("tests/test_a.py::TestK::test_m[a-b]") == ("tests.test_a.TestK", "test_m[a-b]")
    assert junit_key("t.py::test_x[a::b]") == ("t", "test_x[a::b]")


def test_selected_ids_worst_record_wins() -> None:
    got = PYTEST.parse(XML).statuses_for(
        [
            "tests/test_a.py::test_ok",
            "tests/test_a.py::test_bad",
            "tests/test_a.py::TestK::test_m[a-b]",
            "tests/test_a.py::test_skip",
            "tests/test_a.py::test_fixture",
            "tests/test_a.py::test_teardown",
            "tests/test_a.py::test_absent",
        ]
    )
    assert list(got.values()) == [
        Status.PASSED,
        Status.FAILED,
        Status.PASSED,
        Status.SKIPPED,
        Status.ERROR,
        Status.ERROR,
        Status.MISSING,
    ]


def test_failure_texts_by_id() -> None:
    report = PYTEST.parse(XML)
    assert report.failure("tests/test_a.py::test_bad") == "assert 1 == 2\n\nE assert 1 == 2"
    assert report.failure("tests/test_a.py::test_teardown") == "teardown\nx"
    assert report.failure("tests/test_a.py::test_ok") == ""


def test_ids_are_recovered_from_the_file_attribute() -> None:
    report = PYTEST.parse(CAPTURED)
    assert report.statuses == {
        "tests/test_a.py::TestX::test_y": "passed",
        "tests/test_a.py::TestX::test_p[a::b]": "passed",
        "tests/test_a.py::TestX::test_p[c d]": "failed",
        "tests/test_a.py::test_f": "failed",
        "tests/test_a.py::test_s": "skipped",
    }
    assert report.collection_errors == ["tests/test_b.py"]


def test_the_worst_record_of_a_recovered_id_wins() -> None:
    xml = (
        '<testsuite><testcase classname="t" name="x" file="t.py"/>'
        '<testcase classname="t" name="x" file="t.py"><error message="teardown"/></testcase>'
        "</testsuite>"
    )
    assert PYTEST.parse(xml).statuses == {"t.py::x": "error"}


def test_a_test_inherited_from_another_file_is_found_by_its_id_only() -> None:
    xml = '<testsuite><testcase classname="tests.test_t.TestT" name="test_m" file="tests/mix.py"/>'
    report = PYTEST.parse(xml + "</testsuite>")
    assert report.statuses == {}
    assert report.status("tests/test_t.py::TestT::test_m") is Status.PASSED


def test_node_id_needs_the_module_of_its_file() -> None:
    assert node_id("a/t.py", "a.t.C.D", "x") == "a/t.py::C::D::x"
    assert node_id("a/t.py", "b.t", "x") is None


@pytest.mark.parametrize("text", ["", "not xml", "<html/>", "PASSED tests/test_a.py::test_ok"])
def test_garbage_is_a_grading_error(text: str) -> None:
    with pytest.raises(GradingError):
        PYTEST.parse(text)


def test_argv_adds_only_what_is_asked() -> None:
    cmd = ["python", "-m", "pytest"]
    assert PYTEST.argv(cmd, ["t.py::x"]) == [*cmd, "t.py::x"]
    collect = RunOptions(collect_only=True, quiet=True, cache=False)
    assert PYTEST.argv(cmd, ["t.py::x"], collect) == [
        *(*cmd, "-p", "no:cacheprovider", "--collect-only", "-q", "-rN", "t.py::x")
    ]
    full = RunOptions(
        report=Path("/s/r.xml"), per_test_timeout_s=0.2, keep_going=True, extra=("-p", "x")
    )
    assert PYTEST.argv(cmd, ["a.py"], full) == [
        *cmd,
        "--continue-on-collection-errors",
        "--junitxml=/s/r.xml",
        *("-o", "junit_family=xunit1", "--timeout=1", "-p", "x", "a.py"),
    ]
