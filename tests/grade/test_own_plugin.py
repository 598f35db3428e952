"""A repository that is a pytest plugin: its tests need its own plugin, named in test_cmd.

The checkout is never installed, so its ``pytest11`` entry point is never registered; the
task names the module with ``-p`` in ``test_cmd``. Graded sessions load it by that name, and
a plugin the trusted spec names is the repository's own, not a change reaching into pytest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import git
from tests.run.test_attempt import Scripted, attempt

from proctor.model import EmptyModel
from proctor.run import Outcome
from proctor.spec import Task
from proctor.testrun import config_plugin_names

PLUGIN = (
    "import pytest\n\n\ndef pytest_configure(config):\n"
    "    config.addinivalue_line('markers', 'plug: the plugin is loaded')\n\n\n"
    "@pytest.fixture\ndef answer():\n    return {}\n"
)
TESTS = "def test_answer(answer):\n    assert answer == 42\n"


@pytest.fixture
def plug(tmp_path: Path) -> Task:
    repo = tmp_path / "plug"
    (repo / "plug").mkdir(parents=True)
    (repo / "plug" / "__init__.py").write_text("")
    (repo / "plug" / "plugin.py").write_text(PLUGIN.format(41))
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "plug"\n[project.entry-points.pytest11]\nplug = "plug.plugin"\n'
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "plug" / "plugin.py").write_text(PLUGIN.format(42))
    (repo / "tests").mkdir()
    (repo / "tests" / "test_plug.py").write_text(TESTS)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the answer is 42")
    return Task.model_validate(
        {
            "id": "plug-1",
            "repo": str(repo),
            "base_commit": base,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "The answer fixture gives 41.",
            "reference": {"commit": git(repo, "rev-parse", "HEAD")},
            "hidden_tests": {
                "files": ["tests/test_plug.py"],
                "fail_to_pass": ["tests/test_plug.py::test_answer"],
            },
            "environment": {
                "packages": ["pytest>=8,<9"],
                "test_cmd": ["python", "-m", "pytest", "-p", "plug.plugin"],
            },
        }
    )


def test_gold_resolves_and_empty_fails_with_the_plugin_named(plug, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    gold = attempt(plug, "gold", settings, tmp_path / "gold")
    assert gold.outcome is Outcome.RESOLVED, (gold.message, gold.integrity)
    empty = attempt(plug, EmptyModel(), settings, tmp_path / "empty")
    assert empty.outcome is Outcome.UNRESOLVED, empty.message


def _config_loads_timeout_by_name(plug: Task) -> Task:
    """The task with a base whose config says ``-p timeout`` (as anyio's does)."""
    repo = Path(plug.repo)
    git(repo, "checkout", "-q", plug.base_commit)
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '[tool.pytest.ini_options]\naddopts = ["-p", "timeout"]\n'
    )
    git(repo, "commit", "-qam", "the config loads pytest-timeout by its entry-point name")
    return plug.model_copy(update={"base_commit": git(repo, "rev-parse", "HEAD")})


def test_a_plugin_the_config_loads_by_entry_point_name_is_not_loaded_twice(  # type: ignore[no-untyped-def]
    plug, settings, tmp_path
) -> None:
    """anyio's config says ``-p timeout`` (pytest-timeout's entry-point name): proctor must not
    add ``-p pytest_timeout`` too, or pytest refuses one module under two names."""
    task = _config_loads_timeout_by_name(plug)
    gold = attempt(task, "gold", settings, tmp_path / "gold")
    assert gold.outcome is Outcome.RESOLVED, (gold.message, gold.integrity)


def _hijack_timeout(co: Path) -> None:
    """The change ships a dist-info whose ``timeout`` entry point is its own force-passing
    plugin, hoping the config's ``-p timeout`` finds it before pytest-timeout's."""
    (co / "evil_timeout.py").write_text(
        "import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    out = yield\n    rep = out.get_result()\n    rep.outcome = 'passed'\n"
    )
    info = co / "evil_timeout-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-timeout\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\ntimeout = evil_timeout\n")


def test_a_change_cannot_hijack_a_plugin_the_config_names(  # type: ignore[no-untyped-def]
    plug, settings, tmp_path
) -> None:
    task = _config_loads_timeout_by_name(plug)
    result = attempt(task, Scripted(_hijack_timeout), settings, tmp_path)
    assert result.outcome is not Outcome.RESOLVED, (result.message, result.integrity)


def test_config_plugin_names_read_addopts() -> None:
    toml = (
        '[tool.pytest.ini_options]\naddopts = ["-p", "timeout", "-pno:cacheprovider", "-pxdist"]\n'
    )
    assert config_plugin_names("pyproject.toml", toml) == {"timeout", "xdist"}
    ini = "[pytest]\naddopts = -p anyio -rs -p pytest_mock\n"
    assert config_plugin_names("pytest.ini", ini) == {"anyio", "pytest_mock"}
    assert config_plugin_names("setup.cfg", "[tool:pytest]\naddopts = -ptimeout\n") == {"timeout"}
