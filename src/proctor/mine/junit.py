"""Statuses by pytest node id from JUnit XML (``junit_family=xunit1``), for mining.

Mining runs whole test files and must learn the node ids from the report, so it reads the
``file`` attribute xunit1 writes and undoes pytest's mangling of the id into ``classname`` and
``name``. Collection errors are recorded apart: they are not tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
SKIPPED = "skipped"
MISSING = "missing"
FAILING = frozenset({FAILED, ERROR, MISSING})
"""Statuses that count as failing before the fix (missing: the test did not exist or load)."""

_RANK = {ERROR: 0, FAILED: 1, SKIPPED: 2, PASSED: 3}


@dataclass
class JunitReport:
    """What one run reported."""

    statuses: dict[str, str] = field(default_factory=dict)
    """Node id to passed, failed, error or skipped (worst of its records)."""
    collection_errors: list[str] = field(default_factory=list)
    """Files (or module names) that failed to collect."""
    unmapped: int = 0
    """Test cases whose node id could not be recovered."""


def node_id(file: str, classname: str, name: str) -> str | None:
    """The node id pytest mangled into (``classname``, ``name``), given the test's file.

    Returns None when ``classname`` does not start with the module ``file`` names.
    """
    module = re.sub(r"\.py$", "", file.replace("/", "."))
    if classname == module:
        classes: list[str] = []
    elif classname.startswith(module + "."):
        classes = classname[len(module) + 1 :].split(".")
    else:
        return None
    return "::".join([file, *classes, name])


def _status(case: ET.Element) -> str:
    tags = {child.tag for child in case}
    for tag, status in (("error", ERROR), ("failure", FAILED), ("skipped", SKIPPED)):
        if tag in tags:
            return status
    return PASSED


def _is_collection_error(case: ET.Element) -> bool:
    error = case.find("error")
    message = error.get("message", "") if error is not None else ""
    return case.get("classname", "") == "" and message.startswith("collection failure")


def parse_report(text: str) -> JunitReport:
    """Parse a JUnit XML document written by pytest with ``junit_family=xunit1``.

    Raises:
        ValueError: the text is not XML or not a JUnit report.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"JUnit XML does not parse: {exc}") from None
    if root.tag not in {"testsuites", "testsuite"}:
        raise ValueError(f"not JUnit XML: root element is <{root.tag}>")
    report = JunitReport()
    for case in root.iter("testcase"):
        if _is_collection_error(case):
            report.collection_errors.append(case.get("file") or case.get("name") or "")
            continue
        nid = node_id(case.get("file", ""), case.get("classname", ""), case.get("name", ""))
        if nid is None:
            report.unmapped += 1
            continue
        status = _status(case)
        old = report.statuses.get(nid)
        if old is None or _RANK[status] < _RANK[old]:
            report.statuses[nid] = status
    return report
