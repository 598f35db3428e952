"""Accepting an inferred environment: the repository's own tests must run in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.mine.conftest import History, git
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.mine import find_environment
from proctor.mine.accept import find_test_files, judge_check, sample
from proctor.settings import Settings
from proctor.testrun import Status, environment_plugins, plugin_args

PYPROJECT = """[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "stamp"
dynamic = ["version"]
requires-python = ">=3.9"

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.hooks.vcs]
version-file = "src/stamp/_version.py"
"""
INIT = "from stamp._version import version as __version__\n\n\ndef double(x):\n    return 2 * x\n"
TESTS = "import stamp\n\n\ndef test_double():\n    assert stamp.double(2) == 4\n\n\n" + (
    "def test_version():\n    assert stamp.__version__\n"
)


def _statuses(passed: int, failed: int, skipped: int = 0) -> dict[str, Status]:
    out = {f"t{i}": Status.PASSED for i in range(passed)}
    out |= {f"f{i}": Status.FAILED for i in range(failed)}
    return out | {f"s{i}": Status.SKIPPED for i in range(skipped)}


def test_ninety_percent_of_the_tests_that_ran_must_pass() -> None:
    assert judge_check(_statuses(9, 1, skipped=50), [], 3, 1.0).accepted
    rejected = judge_check(_statuses(8, 2), [], 3, 1.0)
    assert not rejected.accepted
    assert "80%" in str(rejected.reason)


def test_tests_that_do_not_collect_reject_the_proposal() -> None:
    assert "no test ran" in str(judge_check({}, ["tests/test_a.py"], 1, 0.1).reason)
    broken = judge_check(_statuses(20, 0), ["tests/test_b.py", "tests/test_c.py"], 10, 1.0)
    assert "could not be loaded" in str(broken.reason)
    assert judge_check(_statuses(20, 0), ["tests/test_b.py"], 10, 1.0).accepted


def test_large_suites_are_sampled_evenly() -> None:
    files = [f"tests/test_{i:03}.py" for i in range(100)]
    picked = sample(files, 10)
    assert len(picked) == 10
    assert picked[0] == files[0] and picked[-1] == files[90]
    assert sample(files[:5], 10) == files[:5]


def test_test_files_are_found_by_pytest_names_outside_docs(tmp_path: Path) -> None:
    files = ["tests/test_a.py", "pkg/b_test.py", "docs/test_c.py", ".tox/test_d.py", "x.py"]
    for rel in [*files, "src/p/_vendor/certifi/tests/test_e.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert find_test_files(tmp_path) == ["pkg/b_test.py", "tests/test_a.py"]


@pytest.fixture
def stamp_repo(tmp_path: Path) -> History:
    history = History(tmp_path / "stamp")
    history.path.mkdir()
    git(history.path, "init", "-q", "-b", "main")
    history.commit(
        "base",
        "A src-layout package whose version file is generated at build time",
        {
            "pyproject.toml": PYPROJECT,
            ".gitignore": "src/stamp/_version.py\n",
            "src/stamp/__init__.py": INIT,
            "tests/test_stamp.py": TESTS,
        },
    )
    return history


@pytest.mark.slow
def test_a_generated_version_file_and_src_layout_are_inferred_and_accepted(
    stamp_repo: History, mine_settings: Settings
) -> None:
    found = find_environment(str(stamp_repo.path), "HEAD", mine_settings)
    assert found.environment.pythonpath == ["src"]
    assert found.environment.setup, "the version file must be written before the tests"
    assert found.check is not None
    assert found.accepted, found.check.summary()
    assert found.check.passed == 2
    assert "hatch" in str(found.environment.note)


@pytest.mark.slow
def test_env_infer_prints_a_repo_config_entry_and_exits_1_when_rejected(
    stamp_repo: History, mine_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCTOR_CACHE_DIR", str(mine_settings.cache_dir))
    runner = CliRunner()
    ok = runner.invoke(app, ["env", "infer", str(stamp_repo.path)])
    assert ok.exit_code == 0, ok.output
    assert "pythonpath:" in ok.output and "accepted" in ok.output
    # Given by hand, a wrong layout wins over inference, and the check rejects it.
    bad = runner.invoke(app, ["env", "infer", str(stamp_repo.path), "--pythonpath", "."])
    assert bad.exit_code == 1, bad.output
    assert "rejected" in bad.output


SETUP_PY = """from setuptools import Extension, setup

setup(name="fastsum", ext_modules=[Extension("fastsum._speed", ["fastsum/_speed.c"])])
"""
SPEED_C = """#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "a + b"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};
PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
"""


@pytest.mark.slow
def test_a_compiled_extension_is_built_in_place_inside_the_sandbox(
    tmp_path: Path, mine_settings: Settings
) -> None:
    history = History(tmp_path / "fastsum")
    history.path.mkdir()
    git(history.path, "init", "-q", "-b", "main")
    history.commit(
        "base",
        "A package with a C extension",
        {
            "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n',
            "setup.py": SETUP_PY,
            "fastsum/__init__.py": "from fastsum._speed import add\n",
            "fastsum/_speed.c": SPEED_C,
            "tests/test_add.py": "from fastsum import add\n\n\ndef test_add():\n"
            "    assert add(2, 3) == 5\n",
        },
    )
    found = find_environment(str(history.path), "HEAD", mine_settings)
    assert any("build_ext" in argv for argv in found.environment.setup)
    assert found.check is not None
    assert found.accepted, found.check.summary()
    assert found.check.passed == 1


def test_a_rejection_names_the_commonest_failures() -> None:
    texts = ["x\nE   OSError: no network\nmore", "E   OSError: no network", "E   KeyError: 'a'"]
    check = judge_check(_statuses(1, 3), [], 1, 1.0, texts)
    assert check.causes[0] == "2x OSError: no network"
    assert "commonest failures: 2x OSError: no network; 1x KeyError: 'a'" in check.summary()


@pytest.mark.slow
def test_the_projects_own_pytest_plugin_is_loaded_by_name(
    tmp_path: Path, mine_settings: Settings
) -> None:
    history = History(tmp_path / "plug")
    history.path.mkdir()
    git(history.path, "init", "-q", "-b", "main")
    history.commit(
        "base",
        "A pytest plugin that provides a fixture its own tests use",
        {
            "pyproject.toml": '[project]\nname = "plug"\n'
            '[project.entry-points.pytest11]\nplug = "plug.plugin"\n',
            "plug/__init__.py": "",
            "plug/plugin.py": "import pytest\n\n\n@pytest.fixture\ndef answer():\n    return 42\n",
            "tests/test_plug.py": "def test_answer(answer):\n    assert answer == 42\n",
        },
    )
    found = find_environment(str(history.path), "HEAD", mine_settings)
    assert found.environment.test_cmd == ["python", "-m", "pytest", "-p", "plug.plugin"]
    assert found.check is not None
    assert found.accepted, found.check.summary()


def test_environment_plugins_leave_out_those_of_the_checkouts_own_packages(
    tmp_path: Path,
) -> None:
    info = tmp_path / "lib" / "python3.11" / "site-packages" / "dep-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "entry_points.txt").write_text(
        "[pytest11]\nown = mypkg.pytest_plugin\nother = timeout_plugin:x\n"
    )
    assert environment_plugins(tmp_path, ["mypkg"]) == ["timeout_plugin"]
    assert environment_plugins(tmp_path, []) == ["mypkg.pytest_plugin", "timeout_plugin"]


def test_plugins_named_one_by_one_do_not_trip_a_repositorys_warnings_as_errors(
    tmp_path: Path,
) -> None:
    """pytest-xdist's looponfail imports its plugin: named second, pytest would warn."""
    pkg = tmp_path / "plugpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "first.py").write_text("from plugpkg import second\n")
    (pkg / "second.py").write_text("")
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    env = {"PYTHONPATH": str(tmp_path), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    plain = ["-p", "plugpkg.first", "-p", "plugpkg.second"]
    broken = subprocess.run([*argv, *plain], cwd=tmp_path, env=env, capture_output=True)
    assert broken.returncode != 0  # the warning, made an error by the repository's config
    args = plugin_args(["plugpkg.first", "plugpkg.second"])
    ok = subprocess.run([*argv, *args], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The filter names no warning class: pytest 4 has no PytestAssertRewriteWarning, and a
    # -W naming one it lacks ends its session with an internal error.
    (flag,) = [a for a in args if a.startswith("ignore")]
    assert flag.split(":")[2:] == [], flag


def test_test_files_stay_under_the_configs_testpaths(tmp_path: Path) -> None:
    for rel in ["tests/test_a.py", "sub/tests/test_b.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    assert find_test_files(tmp_path) == ["tests/test_a.py"]
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = sub\n")
    assert find_test_files(tmp_path) == ["sub/tests/test_b.py"]
