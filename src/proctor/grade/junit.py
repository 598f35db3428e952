"""Parse pytest's JUnit XML into per-test statuses keyed by pytest node id.

Pure functions from text to data. pytest names a test case by mangling its node id
(``tests/test_a.py::TestX::test_y[1]`` becomes classname ``tests.test_a.TestX`` and name
``test_y[1]``); :func:`junit_key` applies the same mangling so a node id can be looked up.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from enum import Enum

from proctor.errors import GradingError


class Status(str, Enum):
    """Outcome of one test case, worst first when several records exist for it."""

    ERROR = "error"
    FAILED = "failed"
    SKIPPED = "skipped"
    PASSED = "passed"
    MISSING = "missing"


_RANK = {Status.ERROR: 0, Status.FAILED: 1, Status.SKIPPED: 2, Status.PASSED: 3}


def junit_key(node_id: str) -> tuple[str, str]:
    """The (classname, name) pytest writes for ``node_id`` (as ``mangle_test_address``)."""
    path, _, rest = node_id.partition("::")
    names = rest.split("::") if rest else []
    # A parametrize id may itself contain "::"; pytest keeps it inside the last name.
    for i, part in enumerate(names):
        if "[" in part and not part.endswith("]"):
            names = [*names[:i], "::".join(names[i:])]
            break
    module = re.sub(r"\.py$", "", path.replace("/", "."))
    if not names:
        return "", module
    return ".".join([module, *names[:-1]]), names[-1]


def parse_junit(text: str) -> dict[tuple[str, str], Status]:
    """Statuses of every test case in a JUnit XML document.

    Raises:
        GradingError: the text is not JUnit XML.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise GradingError(f"JUnit XML does not parse: {exc}") from None
    if root.tag not in {"testsuites", "testsuite"}:
        raise GradingError(f"not JUnit XML: root element is <{root.tag}>")
    statuses: dict[tuple[str, str], Status] = {}
    for case in root.iter("testcase"):
        key = (case.get("classname", ""), case.get("name", ""))
        status = _case_status(case)
        old = statuses.get(key)
        if old is None or _RANK[status] < _RANK[old]:
            statuses[key] = status
    return statuses


def failure_texts(text: str) -> dict[tuple[str, str], str]:
    """The failure or error report (message and traceback) of each failed test case.

    Raises:
        GradingError: the text is not JUnit XML.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise GradingError(f"JUnit XML does not parse: {exc}") from None
    found: dict[tuple[str, str], str] = {}
    for case in root.iter("testcase"):
        key = (case.get("classname", ""), case.get("name", ""))
        for child in case:
            if child.tag in {"failure", "error"}:
                report = f"{child.get('message', '')}\n{child.text or ''}"
                found[key] = found.get(key, "") + report
    return found


def _case_status(case: ET.Element) -> Status:
    tags = {child.tag for child in case}
    if "error" in tags:
        return Status.ERROR
    if "failure" in tags:
        return Status.FAILED
    if "skipped" in tags:
        return Status.SKIPPED
    return Status.PASSED


def statuses_for(node_ids: list[str], junit: dict[tuple[str, str], Status]) -> dict[str, Status]:
    """Look up each node id; ids with no test case are :attr:`Status.MISSING`."""
    return {nid: junit.get(junit_key(nid), Status.MISSING) for nid in node_ids}
