"""Test ids pytest reports as not found, read off its real output (pytest 6, 8 and 9)."""

from __future__ import annotations

from proctor.grade.notfound import not_found_ids

PYTEST_9 = """\
============================= test session starts ==============================
platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0
rootdir: /tmp/pt
collected 1 item

---------------------- generated xml file: /tmp/pt/j.xml -----------------------
============================ no tests ran in 0.00s =============================
ERROR: not found: /tmp/pt/tests/test_x.py::test_nope
(no match in any of [<Module test_x.py>])

ERROR: not found: /tmp/pt/tests/test_x.py::test_p
(no match in any of [<Module test_x.py>])

ERROR: not found: /tmp/pt/tests/test_x.py::TestK::test_z
(no match in any of [<Module test_x.py>])
"""

PYTEST_8 = """\
============================ no tests ran in 0.01s =============================
ERROR: not found: /work/checkout/tests/test_x.py::test_p[3]
(no match in any of [<Function test_p[1]>, <Function test_p[2]>])
"""

NO_FILE = """\
============================ no tests ran in 0.00s =============================
ERROR: file or directory not found: tests/test_y.py::test_z
"""


def test_ids_not_found_are_named_and_found_ones_are_not() -> None:
    ids = [
        "tests/test_x.py::test_a",
        "tests/test_x.py::test_nope",
        "tests/test_x.py::test_p[3]",
        "tests/test_x.py::TestK::test_z",
    ]
    assert not_found_ids(PYTEST_9, ids) == ids[1:]
    assert not_found_ids(PYTEST_8, ids) == ["tests/test_x.py::test_p[3]"]


def test_a_missing_file_names_its_ids() -> None:
    ids = ["tests/test_x.py::test_a", "tests/test_y.py::test_z", "tests/test_y.py::test_w"]
    assert not_found_ids(NO_FILE, ids) == ids[1:]


def test_ordinary_failures_are_not_not_found() -> None:
    out = "FAILED tests/test_x.py::test_nope - assert 1 == 2\nERROR tests/test_x.py::test_a\n"
    assert not_found_ids(out, ["tests/test_x.py::test_nope", "tests/test_x.py::test_a"]) == []


PYTEST_6_IMPORT_ERROR = """\
collected 0 items / 2 errors

==================================== ERRORS ====================================
____________________ ERROR collecting tests/test_api_jwt.py ____________________
ImportError while importing test module '/work/checkout/tests/test_api_jwt.py'.
E   ImportError: cannot import name 'InvalidJTIError' from 'jwt.exceptions'
____________________ ERROR collecting tests/test_api_jwt.py ____________________
ImportError while importing test module '/work/checkout/tests/test_api_jwt.py'.
ERROR: not found: /work/checkout/tests/test_api_jwt.py::TestJWT::test_jti
ERROR: not found: /work/checkout/tests/test_api_jwt.py::TestJWT::test_sub
ERROR: not found: /work/checkout/tests/test_other.py::test_gone
(no match in any of [<Module test_other.py>])
"""


def test_ids_of_a_module_that_failed_to_import_exist_and_fail() -> None:
    ids = [
        "tests/test_api_jwt.py::TestJWT::test_jti",
        "tests/test_api_jwt.py::TestJWT::test_sub",
        "tests/test_other.py::test_gone",
    ]
    assert not_found_ids(PYTEST_6_IMPORT_ERROR, ids) == ["tests/test_other.py::test_gone"]
