"""The figures beside the resolve rate, added to a comparison: calibration, consistency, the
split at each model's training cutoff, the common window, and whether differences are real.

:func:`with_figures` reads the real-issues (and pairs) run folders a comparison was built
from, and returns the comparison with those figures filled in. ``gold`` and ``empty`` have
no conversation, so their calibration and consistency stay None (shown "n/a", never 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, Field

from proctor.model import BASELINES
from proctor.report.calibration import Calibration
from proctor.report.compare import ISO, REPO, Comparison, ModelComparison, ModelRuns
from proctor.report.consistency import Consistency
from proctor.report.fairness import CutoffSplit, Window, release_gap, same_window
from proctor.report.measures import (
    TaskFacts,
    answers_calibration,
    by_task,
    first_samples,
    holds_up_value,
    resolved_value,
    samples_consistency,
    split_scores,
    suite_facts,
    window_rate,
)
from proctor.report.significance import PairedDifference, paired_difference
from proctor.run import AttemptResult, read_results

__all__ = ["FIGURES_FILE", "Dates", "RunFigures", "run_figures", "with_figures"]

FIGURES_FILE = "figures.json"
"""The figures of one run, written beside its ``results.jsonl`` by ``proctor run``."""

Dates = Mapping[str, tuple[date | None, date | None]]
"""Model name -> (training cutoff, release date), None where unknown."""


@dataclass(frozen=True)
class _Stats:
    resamples: int
    level: float
    seed: int


@dataclass
class _Found:
    """One model's row, its real-issues results, and the facts of the tasks it ran."""

    row: ModelComparison
    issues: list[AttemptResult] | None
    facts: dict[str, TaskFacts]


def with_figures(
    comparison: Comparison,
    runs: Sequence[ModelRuns],
    dates: Dates | None = None,
    *,
    window: bool = False,
) -> Comparison:
    """``comparison`` (built from ``runs``) with every figure beside the resolve rate; with
    ``window``, real issues are also scored in the common window, and models compared there.

    Raises:
        ConfigError: a run folder named in ``runs`` cannot be read.
    """
    stats = _Stats(comparison.resamples, comparison.level, comparison.seed)
    rows = {row.model: row for row in comparison.models}
    found = [
        _model(r, rows.get(r.model), (dates or {}).get(r.model, (None, None)), stats) for r in runs
    ]
    models = [f.row for f in found]
    issues = {f.row.model: f.issues for f in found if f.issues is not None}
    facts = {t: fact for f in found if f.issues is not None for t, fact in f.facts.items()}
    gap = release_gap({m.model: m.released for m in models if m.model not in BASELINES})
    shared: Window | None = None
    if window:
        shared = same_window(
            {m.model: m.cutoff for m in models}, {t: f.created for t, f in facts.items()}
        )
        for row in models:
            if row.model in shared.models and row.model in issues:
                per_task = by_task(issues[row.model], resolved_value)
                row.same_window = window_rate(
                    per_task,
                    shared.tasks,
                    resamples=stats.resamples,
                    level=stats.level,
                    seed=stats.seed,
                )
    return comparison.model_copy(
        update={
            "models": models,
            "differences": _differences(issues, facts, shared, stats),
            "window": shared,
            "warnings": [gap] if gap else [],
            "notes": [shared.note] if shared is not None else [],
        }
    )


def _model(
    runs: ModelRuns,
    row: ModelComparison | None,
    dates: tuple[date | None, date | None],
    stats: _Stats,
) -> _Found:
    """One model's row with its calibration, consistency and cutoff splits filled in."""
    row = (row or ModelComparison(model=runs.model)).model_copy(deep=True)
    row.cutoff, row.released = dates
    scores: dict[str, dict[str, float]] = {}
    facts: dict[str, TaskFacts] = {}
    issues = None
    if runs.pairs is not None:
        facts |= suite_facts(runs.pairs)
        solved = by_task(read_results(runs.pairs), resolved_value)
        scores["isolated"] = {t: v for t, v in solved.items() if t.endswith(ISO)}
        scores["repo_level"] = {t: v for t, v in solved.items() if t.endswith(REPO)}
    if runs.issues is not None:
        issues = read_results(runs.issues)
        facts |= suite_facts(runs.issues)
        scores["issues_resolved"] = by_task(issues, resolved_value)
        scores["issues_holds_up"] = by_task(issues, holds_up_value)
        if runs.model not in BASELINES:
            row.calibration = answers_calibration(issues)
            row.consistency = samples_consistency(issues)
    row.by_cutoff = split_scores(
        scores, facts, row.cutoff, resamples=stats.resamples, level=stats.level, seed=stats.seed
    )
    return _Found(row, issues, facts)


class RunFigures(BaseModel):
    """The figures of one model's run of one suite (field order is the format)."""

    schema_version: Literal[1] = 1
    model: str
    cutoff: date | None = None
    released: date | None = None
    calibration: Calibration | None = Field(None, description="None for a baseline.")
    consistency: Consistency | None = Field(None, description="None for a baseline.")
    by_cutoff: dict[str, CutoffSplit] = Field(default_factory=dict)


def run_figures(
    model: str,
    results: Sequence[AttemptResult],
    facts: Mapping[str, TaskFacts],
    dates: tuple[date | None, date | None] = (None, None),
) -> RunFigures:
    """The figures of one run: calibration and consistency (None for a baseline), and the
    resolved and holds-up rates split at the model's cutoff."""
    cutoff, released = dates
    scores = {
        "issues_resolved": by_task(results, resolved_value),
        "issues_holds_up": by_task(results, holds_up_value),
    }
    talks = model not in BASELINES
    return RunFigures(
        model=model,
        cutoff=cutoff,
        released=released,
        calibration=answers_calibration(results) if talks else None,
        consistency=samples_consistency(results) if talks else None,
        by_cutoff=split_scores(scores, facts, cutoff),
    )


def _differences(
    issues: Mapping[str, Sequence[AttemptResult]],
    facts: Mapping[str, TaskFacts],
    shared: Window | None,
    stats: _Stats,
) -> list[PairedDifference]:
    """Every pair of models on the real issues both were graded on (in the window, when one
    is asked for: then only between the models in it)."""
    outcomes = {m: first_samples(records) for m, records in issues.items()}
    if shared is not None:
        keep = set(shared.tasks)
        outcomes = {
            m: {t: v for t, v in o.items() if t in keep}
            for m, o in outcomes.items()
            if m in shared.models
        }
    repo_of = {t: f.repo for t, f in facts.items()}
    found = []
    for a, b in combinations(outcomes, 2):
        diff = paired_difference(
            (a, outcomes[a]),
            (b, outcomes[b]),
            repo_of,
            resamples=stats.resamples,
            level=stats.level,
            seed=stats.seed,
        )
        if diff is not None:
            found.append(diff)
    return found
