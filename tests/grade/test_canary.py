"""Canary planning: pure text in, text and expectations out."""

from __future__ import annotations

import ast
import random

from proctor.grade.canary import plan_canaries

FILE = """import pytest

from calc import mean


def test_mean_basic():
    assert mean([1, 2, 3]) == 2


class TestMean:
    def test_single(self):
        value = mean([4])
        assert value == 4

    @pytest.mark.parametrize("n", [1, 2])
    def test_repeat(self, n):
        assert mean([n] * 3) == n


def test_returns_early():
    if True:
        return
    assert False


if __name__ == "__main__":
    pytest.main()
"""

F2P = [
    "tests/test_m.py::test_mean_basic",
    "tests/test_m.py::TestMean::test_single",
    "tests/test_m.py::TestMean::test_repeat[1]",
    "tests/test_m.py::TestMean::test_repeat[2]",
    "tests/test_m.py::test_returns_early",
]


def plan(seed: int = 0):  # type: ignore[no-untyped-def]
    return plan_canaries({"tests/test_m.py": FILE}, F2P, random.Random(seed))


def test_the_new_text_parses_and_keeps_every_original_test() -> None:
    result = plan()
    text = result.files["tests/test_m.py"]
    tree = ast.parse(text)
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert {"test_mean_basic", "test_single", "test_repeat", "test_returns_early"} <= names
    assert text.startswith(FILE.split("def test_mean_basic")[0])


def test_twins_copy_the_body_and_end_in_a_failing_assertion() -> None:
    result = plan()
    twins = [c for c in result.canaries if c.twin_of]
    assert {c.twin_of for c in twins} == set(F2P) - {"tests/test_m.py::test_returns_early"}
    text = result.files["tests/test_m.py"]
    for twin in twins:
        assert twin.expect == "fail"
        assert f"assert len({twin.marker}) == 4" in text
    method_twins = [t for t in twins if "::TestMean::" in t.node_id]
    assert len(method_twins) == 3
    repeat = next(t for t in twins if t.twin_of.endswith("test_repeat[1]"))
    assert repeat.node_id.endswith("[1]")


def test_twin_of_a_method_stays_in_its_class() -> None:
    result = plan()
    tree = ast.parse(result.files["tests/test_m.py"])
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    twin = next(t for t in result.canaries if t.twin_of.endswith("test_single"))
    assert twin.node_id.split("::")[-1] in {
        f.name for f in cls.body if isinstance(f, ast.FunctionDef)
    }


def test_plain_canaries_pair_up_and_look_like_the_files_tests() -> None:
    result = plan()
    plain = [c for c in result.canaries if not c.twin_of]
    assert sorted(c.expect for c in plain) == ["fail", "fail", "pass", "pass"]
    for canary in plain:
        name = canary.node_id.split("::")[-1]
        assert name.startswith("test_")
        words = set(name.split("_")[1:])
        assert words <= {"mean", "basic", "single", "repeat", "returns", "early"}


def test_names_are_fresh_every_time() -> None:
    first = {c.node_id for c in plan(1).canaries}
    second = {c.node_id for c in plan(2).canaries}
    assert first != second
    assert len(first) == len(plan(1).canaries)


def test_canaries_run_as_planned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An honest run of the planted file gives every canary its expected outcome."""
    import subprocess
    import sys

    (tmp_path / "calc.py").write_text("def mean(v):\n    return sum(v) / len(v)\n")
    (tmp_path / "tests").mkdir()
    result = plan(7)
    (tmp_path / "tests" / "test_m.py").write_text(result.files["tests/test_m.py"])
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *result.node_ids],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    for canary in result.canaries:
        word = "PASSED" if canary.expect == "pass" else "FAILED"
        assert f"{word} {canary.node_id}" in out.stdout, (canary, out.stdout[-3000:])


def test_an_unparsable_file_gets_no_canaries() -> None:
    result = plan_canaries({"t.py": "def test_x(:\n"}, ["t.py::test_x"], random.Random(0))
    assert result.canaries == []
    assert result.files == {}


def test_a_file_with_one_word_still_gets_every_canary() -> None:
    text = "def test_x():\n    assert 1\n"
    result = plan_canaries({"t.py": text}, ["t.py::test_x"], random.Random(0), plain_pairs=5)
    ids = [c.node_id for c in result.canaries]
    assert len(ids) == 11 and len(set(ids)) == 11


def test_names_never_take_a_selected_tests_name() -> None:
    """A test a class inherits from another file is not in this text; its name stays free."""
    text = (
        "from base import Mixin\n\n\n"
        "class TestLFU(Mixin):\n    def test_clear_lfu(self):\n        assert 1\n"
    )
    inherited = [f"t.py::TestLFU::test_{w}" for w in ("clear", "lfu", "clear_lfu_clear")]
    for seed in range(200):
        result = plan_canaries(
            {"t.py": text}, ["t.py::TestLFU::test_clear_lfu"], random.Random(seed), avoid=inherited
        )
        names = {c.node_id.split("::")[-1] for c in result.canaries}
        assert not names & {"test_clear", "test_lfu", "test_clear_lfu", "test_clear_lfu_clear"}


def test_plain_canaries_follow_the_files_test_prefix() -> None:
    text = "def check_mean():\n    assert 1\n"
    result = plan_canaries({"t.py": text}, ["t.py::check_mean"], random.Random(3))
    plain = [c for c in result.canaries if not c.twin_of]
    assert plain and all(c.node_id.split("::")[-1].startswith("check_") for c in plain)


NAMED = """import inspect

import pytest

CASES = [("{function}", lambda r: r == "test_log_formatters")]


@pytest.mark.parametrize(("fmt", "check"), CASES)
def test_log_formatters(fmt, check):
    assert check(log(fmt))


def test_node_name(request):
    assert request.node.name.startswith("test_node")


def test_frame():
    assert inspect.currentframe().f_code.co_name == "test_" + "frame"


def test_snapshot(snapshot):
    assert snapshot == render()


def test_plain():
    assert render()
"""


def test_a_test_that_may_depend_on_its_own_name_gets_no_twin() -> None:
    ids = [
        "t.py::test_log_formatters[{function}-<lambda>]",
        "t.py::test_node_name",
        "t.py::test_frame",
        "t.py::test_snapshot",
        "t.py::test_plain",
    ]
    result = plan_canaries({"t.py": NAMED}, ids, random.Random(0))
    assert [c.twin_of for c in result.canaries if c.twin_of] == ["t.py::test_plain"]
