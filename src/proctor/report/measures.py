"""From a run folder's results to the figures beside the resolve rate (pure but for reading
the suite a run names).

Calibration (:mod:`proctor.report.calibration`) is over every graded answer of round 0, each
sample an answer. The split at the training cutoff (:mod:`proctor.report.fairness`) and the
common window use one value per task: the mean over its graded samples of round 0 (with one
sample, the outcome itself). The paired comparison (:mod:`proctor.report.significance`)
needs one 0/1 outcome per task: that of sample 0 in round 0. ``environment-error`` attempts
are left out of all of them; ``tampered`` counts as not resolved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from proctor.errors import ProctorError
from proctor.report.calibration import Calibration, answers_of, calibration
from proctor.report.consistency import Consistency, consistency, outcomes_by_task
from proctor.report.fairness import CutoffSplit, cutoff_split
from proctor.report.stats import RESAMPLES, Estimate, rate_ci
from proctor.report.suite_stats import repo_label
from proctor.run import RUN_FILE, AttemptResult, Outcome
from proctor.spec import Task, load_suite

__all__ = [
    "TaskFacts",
    "answers_calibration",
    "by_task",
    "first_samples",
    "holds_up_value",
    "resolved_value",
    "samples_consistency",
    "split_scores",
    "suite_facts",
    "task_facts",
    "window_rate",
]


@dataclass(frozen=True)
class TaskFacts:
    """What the figures need of a task besides its results."""

    created: date
    repo: str


def suite_facts(run_dir: Path) -> dict[str, TaskFacts]:
    """Task id -> facts, from the suite the run folder's ``run.json`` names; empty when the
    suite cannot be read (moved, or never recorded): the figures that need dates say n/a."""
    try:
        manifest = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
        suite = Path(str(manifest["suite"]))
        if not suite.is_absolute() and not suite.exists():
            suite = run_dir / suite
        tasks = load_suite(suite)
    except (OSError, ValueError, KeyError, TypeError, ProctorError):
        return {}
    return task_facts(tasks)


def task_facts(tasks: Sequence[Task]) -> dict[str, TaskFacts]:
    """Task id -> its creation day and repository."""
    return {t.id: TaskFacts(t.created_at.date(), repo_label(t.repo)) for t in tasks}


def resolved_value(r: AttemptResult) -> float | None:
    """1 for resolved, else 0 (tampered included)."""
    return 1.0 if r.outcome is Outcome.RESOLVED else 0.0


def holds_up_value(r: AttemptResult) -> float | None:
    """1 for a resolved fix that holds up, 0 for one that does not or no fix; None where a
    fix's quality was not graded (unknown)."""
    if r.outcome is not Outcome.RESOLVED:
        return 0.0
    return None if r.quality is None else float(r.holds_up)


Value = Callable[[AttemptResult], float | None]


def by_task(records: Sequence[AttemptResult], value: Value) -> dict[str, float]:
    """Task id -> mean of ``value`` over its graded samples of round 0 (unknowns skipped)."""
    found: dict[str, list[float]] = {}
    for r in records:
        if r.round != 0 or r.outcome is Outcome.ENVIRONMENT_ERROR:
            continue
        v = value(r)
        if v is not None:
            found.setdefault(r.task_id, []).append(v)
    return {t: sum(vs) / len(vs) for t, vs in found.items()}


def first_samples(records: Sequence[AttemptResult]) -> dict[str, bool]:
    """Task id -> resolved, for sample 0 of round 0 where it was graded."""
    return {
        r.task_id: r.outcome is Outcome.RESOLVED
        for r in records
        if r.sample == 0 and r.round == 0 and r.outcome is not Outcome.ENVIRONMENT_ERROR
    }


def split_scores(
    scores: Mapping[str, Mapping[str, float]],
    facts: Mapping[str, TaskFacts],
    cutoff: date | None,
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, CutoffSplit]:
    """Each score (name -> task id -> value) split at ``cutoff``; tasks without facts are left
    out, and a score with no dated task is left out whole."""
    splits: dict[str, CutoffSplit] = {}
    for name, per_task in scores.items():
        dated = [(facts[t].created, v) for t, v in per_task.items() if t in facts]
        if dated:
            splits[name] = cutoff_split(dated, cutoff, resamples=resamples, level=level, seed=seed)
    return splits


def window_rate(
    per_task: Mapping[str, float],
    window: Sequence[str],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate | None:
    """The rate over the tasks in ``window`` (None when the model has none of them)."""
    values = [per_task[t] for t in window if t in per_task]
    if not values:
        return None
    return rate_ci(values, resamples=resamples, level=level, seed=seed)


def answers_calibration(records: Sequence[AttemptResult]) -> Calibration:
    """Calibration over the graded answers of round 0."""
    answers, excluded = answers_of([r for r in records if r.round == 0])
    return calibration(answers, excluded)


def samples_consistency(records: Sequence[AttemptResult]) -> Consistency:
    """Consistency over the samples of round 0."""
    outcomes, excluded = outcomes_by_task(records)
    return consistency(outcomes, excluded)
