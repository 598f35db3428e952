"""A repository that pytest itself imports: its own ``iniconfig``, built at test time.

The repository is a copy of the ``iniconfig`` installed with pytest, with one bug put in at
its base commit. pytest imports it while starting, before any plugin of proctor's can act, so
the grading must still import the checkout's copy (not the installed one), resolve the fix,
fail the unchanged base, and catch a change that forges the verdict from inside it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import iniconfig
import pytest
from tests.conftest import git
from tests.grade.test_cheats import HOOK, _append, _force_pass
from tests.run.test_attempt import Scripted, attempt

from proctor.model import EmptyModel
from proctor.run import ErrorCause, Outcome
from proctor.spec import Task

BUG = ("return None if lineno is None else lineno + 1", "return None if lineno is None else lineno")
TESTS = """from iniconfig import IniConfig


def test_lineof_counts_from_one():
    assert IniConfig("x", data="[s]\\nk = v\\n").lineof("s", "k") == 2


def test_get_reads_a_value():
    assert IniConfig("x", data="[s]\\nk = v\\n").get("s", "k") == "v"
"""


def _make(root: Path) -> tuple[str, str]:
    package = root / "src" / "iniconfig"
    shutil.copytree(
        Path(iniconfig.__file__).parent,
        package,
        ignore=shutil.ignore_patterns("*.pyc", "__pycache__"),
    )
    init = package / "__init__.py"
    good = init.read_text()
    assert BUG[0] in good, "the installed iniconfig changed shape"
    git(root, "init", "-q", "-b", "main")
    init.write_text(good.replace(*BUG))
    (root / "testing").mkdir()
    (root / "testing" / "test_basic.py").write_text(TESTS.split("\n\n\ndef test_lineof")[0] + "\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    init.write_text(good)
    (root / "testing" / "test_lineof.py").write_text(TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "lineof counts from one")
    return base, git(root, "rev-parse", "HEAD")


@pytest.fixture
def ini(tmp_path: Path) -> Iterator[Task]:
    repo = tmp_path / "iniconfig-repo"
    repo.mkdir()
    base, fix = _make(repo)
    yield Task.model_validate(
        {
            "id": "ini-1",
            "repo": str(repo),
            "base_commit": base,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "IniConfig.lineof is off by one.",
            "reference": {"commit": fix},
            "hidden_tests": {
                "files": ["testing/test_lineof.py"],
                "fail_to_pass": ["testing/test_lineof.py::test_lineof_counts_from_one"],
                "pass_to_pass": ["testing/test_lineof.py::test_get_reads_a_value"],
            },
            "environment": {"packages": ["pytest>=8,<9"], "pythonpath": ["src"]},
        }
    )


def test_gold_resolves_and_empty_fails(ini, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    gold = attempt(ini, "gold", settings, tmp_path / "gold")
    assert gold.outcome is Outcome.RESOLVED, gold.notes
    empty = attempt(ini, EmptyModel(), settings, tmp_path / "empty")
    assert empty.outcome is Outcome.UNRESOLVED, empty.notes


def test_tests_importing_the_installed_copy_is_the_tasks_error(ini, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wrong = ini.model_copy(
        update={"environment": ini.environment.model_copy(update={"pythonpath": ["."]})}
    )
    result = attempt(wrong, EmptyModel(), settings, tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR, result
    assert "imported iniconfig from" in result.message
    assert result.error_cause is ErrorCause.TASK  # the task must change: never retried


INIT = "src/iniconfig/__init__.py"


def hook_when_pytest_reads_its_config(co: Path) -> None:
    """pytest is not ready when it imports iniconfig: register once it parses its config."""
    _append(co, INIT, HOOK)
    _append(
        co,
        INIT,
        """
        _pending = []

        def _later(*args, **kw):
            _pending.append((args, kw))

        _orig_init = IniConfig.__init__

        def _init(self, *a, **k):
            _orig_init(self, *a, **k)
            while _pending and _manager() is not None:
                args, kw = _pending.pop()
                _register(*args, **kw)

        IniConfig.__init__ = _init
        """,
    )
    flip = (
        _force_pass("True").replace(HOOK, "").replace("_register(HOOK_REPORT", "_later(HOOK_REPORT")
    )
    _append(co, INIT, flip)


def hook_by_name_at_first_use(co: Path) -> None:
    _append(co, INIT, HOOK)
    _append(
        co,
        INIT,
        """
        _orig_lineof = IniConfig.lineof
        _done = []

        def _flip(item, call):
            out = yield
            rep = out.get_result()
            if item.name == "test_lineof_counts_from_one":
                rep.outcome = "passed"
                rep.longrepr = None

        def _lineof(self, *a, **k):
            if not _done:
                _done.append(1)
                _register(HOOK_REPORT, _flip, hookwrapper=True)
            return _orig_lineof(self, *a, **k)

        IniConfig.lineof = _lineof
        """,
    )


def exit_zero_at_exit(co: Path) -> None:
    _append(co, INIT, "import atexit, os\natexit.register(getattr(os, '_' + 'exit'), 0)\n")


@pytest.mark.parametrize(
    "cheat",
    [hook_when_pytest_reads_its_config, hook_by_name_at_first_use, exit_zero_at_exit],
    ids=lambda f: f.__name__,
)
def test_cheats_from_inside_the_runner_are_tampered(ini, settings, tmp_path, cheat) -> None:  # type: ignore[no-untyped-def]
    result = attempt(ini, Scripted(cheat), settings, tmp_path)
    assert result.outcome is Outcome.TAMPERED, (result.outcome, result.notes)
