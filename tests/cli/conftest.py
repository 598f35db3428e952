"""Suites the CLI tests share, built at test time."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.agent.test_isolated import calc_pair_task, make_calc_pair
from tests.conftest import calc_task, make_calc_repo

from proctor.spec import dump_task


@pytest.fixture
def suites(tmp_path: Path) -> tuple[Path, Path]:
    """A same-function pairs suite (``pairs-calc``) and a real-issues suite (``issues``)."""
    pairs, issues = tmp_path / "pairs-calc", tmp_path / "issues"
    pairs.mkdir()
    issues.mkdir()
    repo, base, fix = make_calc_pair(tmp_path / "calc-pair")
    for kind in ("isolated", "repo"):
        task = calc_pair_task(repo, base, fix, kind)
        (pairs / f"{task.id}.yaml").write_text(dump_task(task))
    task = calc_task(*make_calc_repo(tmp_path / "calc"))
    (issues / f"{task.id}.yaml").write_text(dump_task(task))
    return pairs, issues
