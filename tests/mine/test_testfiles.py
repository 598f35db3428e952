"""Which files of a fix's test change go to pytest."""

from __future__ import annotations

from pathlib import Path

from proctor.mine.testfiles import neighbour_test_modules, python_files_of, runnable_files


def test_only_test_modules_go_to_pytest() -> None:
    files = ["tests/test_a.py", "tests/conftest.py", "tests/__init__.py", "tests/data.json"]
    assert runnable_files(files) == ["tests/test_a.py"]
    helpers = ["tests/source/t_string.py", "tests/helpers.py", "tests/b_test.py"]
    assert runnable_files(helpers) == ["tests/b_test.py"]
    assert runnable_files(helpers, patterns=["t_*.py"]) == ["tests/source/t_string.py"]
    assert runnable_files(helpers, patterns=["tests/*.py"]) == helpers  # a path pattern


def test_the_configs_python_files_name_the_test_modules(tmp_path: Path) -> None:
    files = ["tests/check_a.py", "tests/test_b.py"]
    assert python_files_of(tmp_path, files) == ("test_*.py", "*_test.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\npython_files = check_*.py\n")
    assert python_files_of(tmp_path, files) == ("check_*.py",)


def unlisted() -> list[str]:
    raise AssertionError("a change with a test module lists no tree")


def test_a_data_only_test_change_runs_the_nearest_test_modules() -> None:
    tracked = [
        "test_top.py",
        "tests/test_data.py",
        "tests/test_misc.py",
        "tests/data/valid/a.toml",
        "tests/port/test_fixtures.py",
        "tests/port/fixtures/spec.md",
        "tests/port/helpers.py",
    ]
    assert neighbour_test_modules(["tests/data/valid/a.toml"], lambda: tracked) == [
        "tests/test_data.py",
        "tests/test_misc.py",
    ]
    assert neighbour_test_modules(["tests/port/fixtures/spec.md"], lambda: tracked) == [
        "tests/port/test_fixtures.py"
    ]
    assert neighbour_test_modules(["tests/port/test_fixtures.py", "x.md"], unlisted) == []
    assert neighbour_test_modules(["data/a.toml"], lambda: tracked) == []  # never the top level
    many = [f"tests/test_{i}.py" for i in range(9)]
    assert len(neighbour_test_modules(["tests/a.json"], lambda: many)) == 5
