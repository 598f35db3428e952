"""Test ids pytest could not find: a task naming tests that do not exist, told apart from a fix
that fails them.

When a selected node id matches nothing, pytest runs no test at all, exits 4 and says so on
stderr (``ERROR: not found: /abs/tests/test_a.py::test_x`` with ``(no match in any of [...])``;
pytest 9 drops a parametrize suffix from the id it prints), or, for a missing file,
``ERROR: file or directory not found: tests/test_b.py::test_y``. The JUnit XML then holds no
test case for any id, so without this every id would look merely missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOT_FOUND = re.compile(r"^ERROR: not found: (.+?)\s*$", re.MULTILINE)
_NO_FILE = re.compile(r"^ERROR: file or directory not found: (.+?)\s*$", re.MULTILINE)
_PARAMS = re.compile(r"\[.*\]$")


def _same_id(reported: str, node_id: str) -> bool:
    """``reported`` (maybe absolute, maybe without parameters) names ``node_id``."""
    for wanted in {node_id, _PARAMS.sub("", node_id)}:
        if reported == wanted or reported.endswith("/" + wanted):
            return True
    return False


def not_found_ids(output: str, node_ids: Sequence[str]) -> list[str]:
    """The ids of ``node_ids`` that pytest's ``output`` (stdout and stderr) reports not found.

    Pure: text in, ids out, in the order of ``node_ids``.
    """
    ids: list[str] = []
    reported = [m.group(1) for m in _NOT_FOUND.finditer(output)]
    files = [m.group(1).split("::")[0] for m in _NO_FILE.finditer(output)]
    for node_id in node_ids:
        path = node_id.split("::")[0]
        if any(_same_id(r, node_id) for r in reported) or path in files:
            ids.append(node_id)
    return ids
