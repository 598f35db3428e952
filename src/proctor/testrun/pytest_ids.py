"""pytest's test ids (node ids) in its JUnit XML and in its console output. Pure.

pytest names a test case by mangling its node id (``tests/test_a.py::TestX::test_y[1]``
becomes classname ``tests.test_a.TestX`` and name ``test_y[1]``): :func:`junit_key` applies the
same mangling, so a selected id is looked up by the case pytest wrote for it, even for a test
a class inherits from another file. With ``junit_family=xunit1`` each case also carries the
``file`` it was collected from, and :func:`node_id` undoes the mangling to recover ids a run
found by itself. A file that fails to load is a case with no classname and the message
``collection failure``: not a test.

When a selected node id matches nothing, pytest runs no test at all, exits 4 and says so on
stderr (``ERROR: not found: /abs/tests/test_a.py::test_x`` with ``(no match in any of
[...])``; pytest 9 drops a parametrize suffix from the id it prints), or, for a missing file,
``ERROR: file or directory not found: tests/test_b.py::test_y``. It says "not found" too for
every id of a module that failed to import (``ERROR collecting tests/test_a.py`` in its
errors): those tests exist and fail, as a FAIL_TO_PASS test does whose module imports a name
only the fix defines, so they are not counted as not found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from proctor.testrun.junit import Case, Keys

_NOT_FOUND = re.compile(r"^ERROR: not found: (.+?)\s*$", re.MULTILINE)
_NO_FILE = re.compile(r"^ERROR: file or directory not found: (.+?)\s*$", re.MULTILINE)
_PARAMS = re.compile(r"\[.*\]$")
_UNCOLLECTED = re.compile(r"^_+ ERROR collecting (.+?) _+\s*$", re.MULTILINE)


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


def _key(classname: str, name: str) -> str:
    return f"{classname}::{name}"


def _load_error(case: Case) -> str | None:
    if case.classname == "" and case.message.startswith("collection failure"):
        return case.file or case.name
    return None


KEYS = Keys(
    case=lambda c: _key(c.classname, c.name),
    test_id=lambda c: node_id(c.file, c.classname, c.name),
    load_error=_load_error,
    of_id=lambda nid: _key(*junit_key(nid)),
)
"""How pytest's JUnit XML (``junit_family=xunit1``) names its test cases."""


def _same_id(reported: str, nid: str) -> bool:
    """``reported`` (maybe absolute, maybe without parameters) names ``nid``."""
    for wanted in {nid, _PARAMS.sub("", nid)}:
        if reported == wanted or reported.endswith("/" + wanted):
            return True
    return False


def not_found_ids(output: str, node_ids: Sequence[str]) -> list[str]:
    """The ids of ``node_ids`` that pytest's ``output`` (stdout and stderr) reports not found,
    less those of modules it reports failing to import (``ERROR collecting``).

    Pure: text in, ids out, in the order of ``node_ids``.
    """
    ids: list[str] = []
    reported = [m.group(1) for m in _NOT_FOUND.finditer(output)]
    files = [m.group(1).split("::")[0] for m in _NO_FILE.finditer(output)]
    failed = {m.group(1) for m in _UNCOLLECTED.finditer(output)}
    for nid in node_ids:
        path = nid.split("::")[0]
        if path in failed:
            continue  # its module failed to import: the test exists, and fails
        if any(_same_id(r, nid) for r in reported) or path in files:
            ids.append(nid)
    return ids
