"""JUnit XML, the report format pytest and vitest both write, read into a :class:`TestReport`.

Pure functions from text to data. A runner says how its test cases are keyed, how a case's
test id is recovered, and which cases are files that failed to load rather than tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from proctor.errors import GradingError
from proctor.testrun.base import RANK, Status, TestReport


@dataclass(frozen=True)
class Case:
    """One ``<testcase>`` record."""

    classname: str
    name: str
    file: str
    status: Status
    message: str
    """The ``message`` of its (first) error, else of its failure ('' when it has neither)."""
    failure: str
    """Message and text of each failure or error record, one after the other."""


def read_cases(text: str) -> list[Case]:
    """Every test case of a JUnit XML document, in document order.

    Raises:
        GradingError: the text is not XML or not a JUnit report.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise GradingError(f"JUnit XML does not parse: {exc}") from None
    if root.tag not in {"testsuites", "testsuite"}:
        raise GradingError(f"not JUnit XML: root element is <{root.tag}>")
    cases = []
    for case in root.iter("testcase"):
        reports = [c for c in case if c.tag in {"failure", "error"}]
        first = case.find("error") if case.find("error") is not None else case.find("failure")
        cases.append(
            Case(
                classname=case.get("classname", ""),
                name=case.get("name", ""),
                file=case.get("file", ""),
                status=_status(case),
                message=first.get("message", "") if first is not None else "",
                failure="".join(f"{c.get('message', '')}\n{c.text or ''}" for c in reports),
            )
        )
    return cases


def _status(case: ET.Element) -> Status:
    tags = {child.tag for child in case}
    if "error" in tags:
        return Status.ERROR
    if "failure" in tags:
        return Status.FAILED
    if "skipped" in tags:
        return Status.SKIPPED
    return Status.PASSED


@dataclass(frozen=True)
class Keys:
    """How a runner names its JUnit test cases."""

    case: Callable[[Case], str]
    """A case's key."""
    test_id: Callable[[Case], str | None]
    """A case's test id, or None when it cannot be recovered."""
    load_error: Callable[[Case], str | None]
    """For a case that records a test file failing to load: that file; else None."""
    of_id: Callable[[str], str]
    """A test id's case key."""


def junit_report(text: str, keys: Keys) -> TestReport:
    """The :class:`TestReport` of a JUnit XML document (the worst record of a case wins).

    Raises:
        GradingError: the text is not XML or not a JUnit report.
    """
    report = TestReport(key=keys.of_id)
    for case in read_cases(text):
        key = keys.case(case)
        old = report.cases.get(key)
        if old is None or RANK[case.status] < RANK[old]:
            report.cases[key] = case.status
        if case.failure:
            report.failures[key] = report.failures.get(key, "") + case.failure
        load_error = keys.load_error(case)
        if load_error is not None:
            report.collection_errors.append(load_error)
            continue
        test_id = keys.test_id(case)
        if test_id is not None:
            report.ids[key] = test_id
    return report
