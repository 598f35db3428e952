"""What a suite holds: counts of its tasks by repository, category, date, size and strength.

:func:`suite_stats` is pure (tasks in, counts out); :func:`suite_stats_table` draws them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.markup import escape
from rich.table import Table

from proctor.repo import github_slug
from proctor.spec import Task

DATE_BANDS = (date(2024, 1, 1), date(2025, 6, 1))
"""Edges of the date bands of ``created_at``: before the first, between, from the last on."""

UNKNOWN = "unknown"
"""The bucket of a task without the fact counted (no category, no difficulty)."""

WEAK_BELOW = 0.5
"""A task whose hidden tests catch a smaller share of its mutants than this is weak."""


@dataclass(frozen=True)
class WordCounts:
    """Statement lengths in words."""

    median: float
    min: int
    max: int


@dataclass(frozen=True)
class SuiteStats:
    """Counts of a suite's tasks; each ``by_*`` maps a bucket to its number of tasks."""

    tasks: int
    by_repo: dict[str, int]
    by_category: dict[str, int]
    by_date: dict[str, int]
    by_files: dict[str, int]
    multi_file: int
    statement_words: WordCounts | None
    strength_measured: int
    """Tasks whose strength is recorded, those with no mutants included."""
    strength_mean: float | None
    """Mean share of mutants caught, over the measured tasks that had mutants."""
    strength_no_mutants: int
    """Measured tasks whose change had nothing to mutate (neither weak nor strong)."""
    weak: list[str]
    """Ids of the tasks whose tests catch less than :data:`WEAK_BELOW` of their mutants."""

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``json.dumps`` (``statement_words`` null for an empty suite)."""
        words = self.statement_words
        return {
            "tasks": self.tasks,
            "by_repo": self.by_repo,
            "by_category": self.by_category,
            "by_date": self.by_date,
            "by_files": self.by_files,
            "multi_file": self.multi_file,
            "statement_words": None if words is None else vars(words),
            "strength": {
                "measured": self.strength_measured,
                "mean": self.strength_mean,
                "no_mutants": self.strength_no_mutants,
                "weak": self.weak,
            },
        }


def repo_label(repo: str) -> str:
    """``OWNER/NAME`` of a GitHub URL, else the last part of the path or URL."""
    slug = github_slug(repo)
    if slug is not None:
        return "/".join(slug)
    return re.split(r"[/\\]", repo.rstrip("/\\"))[-1].removesuffix(".git") or repo


def date_band(task: Task) -> str:
    """The band of ``created_at``: before 2024-01-01, to 2025-06-01, or from then on."""
    day = task.created_at.date()
    low, high = DATE_BANDS
    if day < low:
        return f"< {low}"
    return f"{low} .. {high}" if day < high else f">= {high}"


def files_band(task: Task) -> str:
    """'1', '2', '3+' source files changed, or 'unknown' without a difficulty."""
    if task.difficulty is None:
        return UNKNOWN
    files = task.difficulty.files
    return "3+" if files >= 3 else str(files)


def task_strength(task: Task) -> float | None:
    """The share of its mutants that the task's hidden tests catch; ``None`` when not
    measured or when the change had nothing to mutate."""
    return None if task.strength is None else task.strength.share


def is_weak(task: Task) -> bool:
    """Whether the task's tests catch less than :data:`WEAK_BELOW` of its mutants (a task
    with no mutants, or not measured, is not weak)."""
    share = task_strength(task)
    return share is not None and share < WEAK_BELOW


def _ordered(counts: Counter[str], order: Sequence[str] = ()) -> dict[str, int]:
    """Buckets in ``order`` first (those present), then the rest by count, then name."""
    known = [key for key in order if key in counts]
    rest = sorted((k for k in counts if k not in known), key=lambda k: (-counts[k], k))
    return {key: counts[key] for key in [*known, *rest]}


def suite_stats(tasks: Sequence[Task]) -> SuiteStats:
    """Count ``tasks`` by repository, category, date band and files changed."""
    low, high = DATE_BANDS
    words = [len(task.problem_statement.split()) for task in tasks]
    strengths = [s for s in map(task_strength, tasks) if s is not None]
    categories = ("bug", "feature", "refactor", "performance", "security", UNKNOWN)
    return SuiteStats(
        tasks=len(tasks),
        by_repo=_ordered(Counter(repo_label(t.repo) for t in tasks)),
        by_category=_ordered(Counter(t.category or UNKNOWN for t in tasks), categories),
        by_date=_ordered(
            Counter(map(date_band, tasks)), (f"< {low}", f"{low} .. {high}", f">= {high}")
        ),
        by_files=_ordered(Counter(map(files_band, tasks)), ("0", "1", "2", "3+", UNKNOWN)),
        multi_file=sum(t.difficulty is not None and t.difficulty.files >= 2 for t in tasks),
        statement_words=(
            WordCounts(statistics.median(words), min(words), max(words)) if words else None
        ),
        strength_measured=sum(t.strength is not None for t in tasks),
        strength_mean=statistics.fmean(strengths) if strengths else None,
        strength_no_mutants=sum(t.strength is not None and t.strength.mutants == 0 for t in tasks),
        weak=[t.id for t in tasks if is_weak(t)],
    )


def suite_stats_table(stats: SuiteStats) -> Table:
    """A two-column table (what, count): totals first, then each group's buckets."""
    table = Table("what", "tasks", title=f"{stats.tasks} task(s)")
    groups = (
        ("repository", stats.by_repo),
        ("category", stats.by_category),
        ("created", stats.by_date),
        ("files changed", stats.by_files),
    )
    for name, counts in groups:
        for index, (bucket, count) in enumerate(counts.items()):
            table.add_row(
                escape(f"{name}: {bucket}"), str(count), end_section=index == len(counts) - 1
            )
    table.add_row("multi-file (2+ files)", str(stats.multi_file))
    words = stats.statement_words
    text = "-" if words is None else f"median {words.median:g}, min {words.min}, max {words.max}"
    table.add_row("statement words", text)
    table.add_row("task strength", _strength_text(stats))
    if stats.strength_measured:
        weak = f"{len(stats.weak)}: {', '.join(stats.weak)}" if stats.weak else "0"
        table.add_row(escape(f"weak (< {WEAK_BELOW:g} caught)"), escape(weak))
    return table


def _strength_text(stats: SuiteStats) -> str:
    """'mean 0.83 of mutants caught over 4 task(s); 1 with no mutants; 2 not measured'."""
    if not stats.strength_measured:
        return "not measured"
    parts: list[str] = []
    if stats.strength_mean is not None:
        with_mutants = stats.strength_measured - stats.strength_no_mutants
        parts.append(
            f"mean {stats.strength_mean:.2f} of mutants caught over {with_mutants} task(s)"
        )
    if stats.strength_no_mutants:
        parts.append(f"{stats.strength_no_mutants} with no mutants")
    unmeasured = stats.tasks - stats.strength_measured
    if unmeasured:
        parts.append(f"{unmeasured} not measured")
    return "; ".join(parts)
