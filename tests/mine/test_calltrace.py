"""The call-trace plugin (harness/calltrace), run by a real pytest in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from proctor.files import harness_path

TESTS = """import pytest

from lib import double


def test_plain():
    assert double(2) == 4


@pytest.mark.xfail(reason="known bug")
def test_xfail_failing():
    assert double(2) == 5


@pytest.mark.xfail(reason="fixed long ago, the marker stayed")
def test_xfail_passing():
    assert double(3) == 6


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass
"""


def test_xfail_tests_are_never_passed_or_failed(tmp_path: Path) -> None:
    (tmp_path / "lib.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "test_lib.py").write_text(TESTS)
    out = tmp_path / "trace.json"
    env = {**os.environ, "PYTHONPATH": f"{harness_path('calltrace')}{os.pathsep}{tmp_path}"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p"]
    argv += ["proctor_calltrace", f"--calltrace-out={out}", f"--calltrace-root={tmp_path}"]
    subprocess.run([*argv, "test_lib.py"], cwd=tmp_path, env=env, capture_output=True, check=False)
    tests = json.loads(out.read_text())["tests"]
    assert {t: v["outcome"] for t, v in tests.items()} == {
        "test_lib.py::test_plain": "passed",
        "test_lib.py::test_xfail_failing": "xfailed",
        "test_lib.py::test_xfail_passing": "xpassed",
        "test_lib.py::test_skipped": "skipped",
    }
    assert ["lib.py", 1, "double"] in tests["test_lib.py::test_plain"]["functions"]
