import pytest

from proctor.errors import GradingError
from proctor.grade.junit import Status, junit_key, parse_junit, statuses_for

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


def test_junit_key_mangles_like_pytest() -> None:
    assert junit_key("tests/test_a.py::test_ok") == ("tests.test_a", "test_ok")
    assert junit_key("tests/test_a.py::TestK::test_m[a-b]") == ("tests.test_a.TestK", "test_m[a-b]")
    assert junit_key("t.py::test_x[a::b]") == ("t", "test_x[a::b]")


def test_parse_statuses_worst_record_wins() -> None:
    got = statuses_for(
        [
            "tests/test_a.py::test_ok",
            "tests/test_a.py::test_bad",
            "tests/test_a.py::TestK::test_m[a-b]",
            "tests/test_a.py::test_skip",
            "tests/test_a.py::test_fixture",
            "tests/test_a.py::test_teardown",
            "tests/test_a.py::test_absent",
        ],
        parse_junit(XML),
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


@pytest.mark.parametrize("text", ["", "<html/>", "PASSED tests/test_a.py::test_ok"])
def test_garbage_is_a_grading_error(text: str) -> None:
    with pytest.raises(GradingError):
        parse_junit(text)
