"""The suites shipped under tasks/: they load with their locks and meet the targets they
claim in their cards (tasks/main/README.md, tasks/pairs/README.md).

These read the task files only; running them needs the mirrors and is recorded in the cards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from proctor.repo import github_slug
from proctor.report import suite_stats
from proctor.spec import Task, load_suite

TASKS = Path(__file__).parents[1] / "tasks"
RESERVED = {"more-itertools", "boltons", "python-tabulate", "humanize", "pluggy", "packaging"}
SUITES = sorted(p for p in TASKS.iterdir() if p.is_dir() and any(p.rglob("*.yaml")))


def _repo_name(task: Task) -> str:
    slug = github_slug(task.repo)
    return slug[1] if slug else Path(task.repo).name.removesuffix(".git")


@pytest.mark.parametrize("suite", SUITES, ids=lambda p: p.name)
def test_every_shipped_suite_loads_locked_and_leaves_reserved_repositories_out(
    suite: Path,
) -> None:
    tasks = load_suite(suite)
    assert tasks
    assert all(t.environment.lock is not None for t in tasks), "run proctor env lock"
    assert not {_repo_name(t) for t in tasks} & RESERVED


def test_main_suite_meets_its_targets() -> None:
    tasks = load_suite(TASKS / "main")
    stats = suite_stats(tasks)
    recent = datetime(2025, 6, 1, tzinfo=UTC)
    old = datetime(2024, 1, 1, tzinfo=UTC)
    assert stats.tasks >= 150
    assert len(stats.by_repo) >= 15
    assert stats.multi_file >= 50
    assert 2 * sum(t.created_at >= recent for t in tasks) >= len(tasks)
    assert 5 * sum(t.created_at < old for t in tasks) >= len(tasks)
    assert all(t.category is not None and t.difficulty is not None for t in tasks)
    assert stats.strength_measured == len(tasks)
    assert not stats.weak


def test_pairs_suite_meets_its_targets() -> None:
    tasks = load_suite(TASKS / "pairs")
    stems = {t.id.removesuffix("-repo") for t in tasks if t.id.endswith("-repo")}
    pairs = {s for s in stems if any(t.id == f"{s}-iso" for t in tasks)}
    assert len(pairs) >= 60
    assert len({_repo_name(t) for t in tasks}) >= 5
