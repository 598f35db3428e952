"""How much of a HumanEval score survives in real codebases: one comparison per model.

For each model, from run folders:

* **HumanEval**: pass@1 per problem from a HumanEval track folder (``result.json``);
* **isolated** and **repo-level**: resolved rate over the ``<stem>-iso`` and ``<stem>-repo``
  tasks of a same-function pairs run (``results.jsonl``, read by :func:`proctor.run.read_results`);
* **context tax**: isolated minus repo-level over the stems attempted both ways, with a
  paired bootstrap interval (positive: the repository costs the model points);
* **real issues**: resolved rate over a run of mined tasks, and the rate of fixes that
  *hold up* (resolved and clean, the results' ``holds_up``; unknown where an attempt's
  quality was not graded, see :func:`holds_up_outcome`).

Attempts that ended in ``environment-error`` (infrastructure, or the model's API failing past
retries) are left out of every rate and counted in ``excluded``. Every rate carries a 95%
interval from :func:`~proctor.report.stats.rate_ci`.

A compare folder holds one folder per model with ``runs.json`` (:class:`ModelRuns`: which
run folder is which), the runs themselves, and ``comparison.json`` (:class:`Comparison`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from rich.markup import escape
from rich.table import Table

from proctor.errors import ConfigError
from proctor.files import write_atomic
from proctor.report.calibration import Calibration
from proctor.report.consistency import Consistency
from proctor.report.fairness import CutoffSplit, Window
from proctor.report.feedback import (
    Compliance,
    FeedbackFigures,
    compliance_cell,
    edit_compliance,
    feedback_cells,
    feedback_figures,
    headline,
)
from proctor.report.significance import PairedDifference
from proctor.report.stats import RESAMPLES, Estimate, paired_bootstrap_ci, rate_ci
from proctor.run import AttemptResult, HumanEvalResult, Outcome, read_results

__all__ = [
    "COMPARISON_FILE",
    "MANIFEST_FILE",
    "Comparison",
    "ModelComparison",
    "ModelRuns",
    "build_comparison",
    "comparison_table",
    "holds_up_outcome",
    "humaneval_scores",
    "load_comparison",
    "read_manifests",
    "save_comparison",
    "write_manifest",
]

COMPARISON_FILE = "comparison.json"
MANIFEST_FILE = "runs.json"
HUMANEVAL_RESULT = "result.json"
ISO, REPO = "-iso", "-repo"


@dataclass(frozen=True)
class ModelRuns:
    """The run folders of one model; None where that part was not run."""

    model: str
    humaneval: Path | None = None
    pairs: Path | None = None
    issues: Path | None = None


class ModelComparison(BaseModel):
    """One model's scores, each with its interval (field order is the format)."""

    model: str
    humaneval: Estimate | None = Field(None, description="HumanEval pass@1 over problems.")
    isolated: Estimate | None = Field(None, description="Resolved rate of the -iso tasks.")
    repo_level: Estimate | None = Field(None, description="Resolved rate of the -repo tasks.")
    context_tax: Estimate | None = Field(
        None, description="Isolated minus repo-level over the same functions (paired)."
    )
    issues_resolved: Estimate | None = Field(None, description="Resolved rate of real issues.")
    issues_holds_up: Estimate | None = Field(
        None, description="Rate of real issues fixed in a way that holds up; None if unknown."
    )
    pairs: int = Field(0, description="Functions attempted both in isolation and in the repo.")
    excluded: int = Field(0, description="Attempts left out as environment errors.")
    runs: dict[str, str] = Field(default_factory=dict, description="Part -> run folder.")
    cutoff: date | None = Field(None, description="Training cutoff; None: unknown.")
    released: date | None = Field(None, description="Release date; None: unknown.")
    calibration: Calibration | None = Field(
        None, description="Of the real-issues answers; None for a baseline (no conversation)."
    )
    consistency: Consistency | None = Field(
        None, description="Over the real-issues samples; None for a baseline."
    )
    by_cutoff: dict[str, CutoffSplit] = Field(
        default_factory=dict, description="Score -> split at the training cutoff."
    )
    same_window: Estimate | None = Field(
        None, description="Real issues resolved in the common window (--same-window)."
    )
    feedback: FeedbackFigures | None = Field(
        None, description="Feedback rounds of the real-issues run; None without any (n/a)."
    )
    edit_compliance: Compliance | None = Field(
        None, description="Real-issues answers whose edits applied on the first try; None: n/a."
    )


class Comparison(BaseModel):
    """The comparison of several models (field order is the format)."""

    schema_version: Literal[1] = 1
    created_at: datetime
    level: float = 0.95
    resamples: int = RESAMPLES
    seed: int = 0
    models: list[ModelComparison]
    differences: list[PairedDifference] = Field(
        default_factory=list, description="Every pair of models on the real issues both did."
    )
    window: Window | None = Field(None, description="The common window (--same-window).")
    warnings: list[str] = Field(default_factory=list, description="Unfair comparisons.")
    notes: list[str] = Field(default_factory=list, description="What the window holds.")


def humaneval_scores(run_dir: Path) -> list[float]:
    """pass@1 of each problem of a HumanEval run folder (fractions when n > 1).

    Raises:
        ConfigError: the folder has no readable ``result.json``.
    """
    path = run_dir / HUMANEVAL_RESULT
    try:
        result = HumanEvalResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a finished HumanEval run ({_first_line(exc)})") from None
    return [p.correct / p.n if p.n else 0.0 for p in result.problems]


def _holds(result: AttemptResult) -> bool | None:
    """The attempt's ``holds_up``; None (unknown) where its quality was not graded."""
    return None if result.quality is None else result.holds_up


def holds_up_outcome(outcome: Outcome, holds_up: bool | None) -> float | None:
    """1 for a resolved fix that holds up, 0 for one that does not or for no fix at all,
    None (unknown) for a resolved fix whose result says nothing about it."""
    if outcome is not Outcome.RESOLVED:
        return 0.0
    return None if holds_up is None else float(holds_up)


def build_comparison(
    runs: Sequence[ModelRuns],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare models from their run folders.

    Raises:
        ConfigError: a run folder named in ``runs`` cannot be read.
    """

    def ci(values: Sequence[float]) -> Estimate | None:
        return rate_ci(values, resamples=resamples, level=level, seed=seed) if values else None

    def paired(first: Sequence[float], second: Sequence[float]) -> Estimate | None:
        if not first:
            return None
        return paired_bootstrap_ci(first, second, resamples=resamples, level=level, seed=seed)

    models = [_compare_model(r, ci, paired) for r in runs]
    created = datetime.now(timezone.utc)
    return Comparison(
        created_at=created, level=level, resamples=resamples, seed=seed, models=models
    )


_Ci = Callable[[Sequence[float]], Estimate | None]
_Paired = Callable[[Sequence[float], Sequence[float]], Estimate | None]


def _compare_model(runs: ModelRuns, ci: _Ci, paired: _Paired) -> ModelComparison:
    row = ModelComparison(model=runs.model)
    excluded = 0
    if runs.humaneval is not None:
        row.humaneval = ci(humaneval_scores(runs.humaneval))
        row.runs["humaneval"] = str(runs.humaneval)
    if runs.pairs is not None:
        records = headline(read_results(runs.pairs))
        graded = [r for r in records if r.outcome is not Outcome.ENVIRONMENT_ERROR]
        excluded += len(records) - len(graded)
        iso = {r.task_id.removesuffix(ISO): _solved(r) for r in graded if r.task_id.endswith(ISO)}
        repo = {
            r.task_id.removesuffix(REPO): _solved(r) for r in graded if r.task_id.endswith(REPO)
        }
        stems = sorted(iso.keys() & repo.keys())
        row.isolated, row.repo_level = ci(list(iso.values())), ci(list(repo.values()))
        row.context_tax = paired([iso[s] for s in stems], [repo[s] for s in stems])
        row.pairs = len(stems)
        row.runs["pairs"] = str(runs.pairs)
    if runs.issues is not None:
        every = read_results(runs.issues)
        records = headline(every)
        row.feedback = feedback_figures(every)
        row.edit_compliance = edit_compliance(every)
        graded = [r for r in records if r.outcome is not Outcome.ENVIRONMENT_ERROR]
        excluded += len(records) - len(graded)
        row.issues_resolved = ci([_solved(r) for r in graded])
        row.issues_holds_up = _holds_up(graded, ci)
        row.runs["issues"] = str(runs.issues)
    row.excluded = excluded
    return row


def _holds_up(graded: Sequence[AttemptResult], ci: _Ci) -> Estimate | None:
    """Over the attempts whose outcome is known (see :func:`holds_up_outcome`); None when
    fixes were made but none says whether it holds up (the field is not recorded)."""
    fixes = [r for r in graded if r.outcome is Outcome.RESOLVED]
    if fixes and all(_holds(r) is None for r in fixes):
        return None
    known = [holds_up_outcome(r.outcome, _holds(r)) for r in graded]
    return ci([h for h in known if h is not None])


def _solved(record: AttemptResult) -> float:
    return 1.0 if record.outcome is Outcome.RESOLVED else 0.0


def save_comparison(comparison: Comparison, path: Path) -> None:
    """Write the comparison as JSON (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, comparison.model_dump_json(indent=2) + "\n")


def load_comparison(path: Path) -> Comparison:
    """Read a comparison written by :func:`save_comparison`.

    Raises:
        ConfigError: the file is missing or not a comparison.
    """
    try:
        return Comparison.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a comparison ({_first_line(exc)})") from None


def write_manifest(model_dir: Path, runs: ModelRuns) -> None:
    """Record in ``model_dir/runs.json`` which of its folders holds which part."""
    parts = {"humaneval": runs.humaneval, "pairs": runs.pairs, "issues": runs.issues}
    data: dict[str, Any] = {"model": runs.model}
    data |= {k: _relative(v, model_dir) if v is not None else None for k, v in parts.items()}
    model_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(model_dir / MANIFEST_FILE, json.dumps(data, indent=2) + "\n")


def read_manifests(folders: Sequence[Path]) -> list[ModelRuns]:
    """The models recorded in ``folders``: each a model folder (with ``runs.json``) or a
    compare folder whose subfolders are model folders. Folders in the order given; within
    a compare folder, in the order of its ``comparison.json``, the others by name.

    Raises:
        ConfigError: a folder holds no ``runs.json`` at all, or one that cannot be read.
    """
    found: list[ModelRuns] = []
    for folder in folders:
        if (folder / MANIFEST_FILE).is_file():
            found.append(_read_manifest(folder / MANIFEST_FILE))
            continue
        runs = [_read_manifest(m) for m in sorted(folder.glob(f"*/{MANIFEST_FILE}"))]
        if not runs:
            raise ConfigError(f"{folder}: no {MANIFEST_FILE} here or in its subfolders")
        order = _model_order(folder / COMPARISON_FILE)
        found += sorted(runs, key=lambda r: order.get(r.model, len(order)))
    return found


def _model_order(path: Path) -> dict[str, int]:
    """Model -> position in an earlier comparison (empty when there is none)."""
    try:
        models = load_comparison(path).models
    except ConfigError:
        return {}
    return {m.model: i for i, m in enumerate(models)}


def _read_manifest(path: Path) -> ModelRuns:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = str(data["model"])
        parts = {k: data.get(k) for k in ("humaneval", "pairs", "issues")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a runs manifest ({_first_line(exc)})") from None
    # A part whose folder is not there was never started (a compare stopped before it).
    paths = {k: path.parent / str(v) if v else None for k, v in parts.items()}
    return ModelRuns(model, **{k: p if p and p.exists() else None for k, p in paths.items()})


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path.resolve())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _pct(est: Estimate | None) -> str:
    if est is None:
        return "[dim]n/a[/]"
    interval = f"[{100 * est.low:.0f},{100 * est.high:.0f}]"
    return f"{100 * est.value:.0f}%\n[dim]{escape(interval)}\nn={est.n}[/]"


def _points(est: Estimate | None) -> str:
    if est is None:
        return "[dim]n/a[/]"
    interval = f"[{100 * est.low:+.0f},{100 * est.high:+.0f}]"
    return f"{100 * est.value:+.0f} pp\n[dim]{escape(interval)}\npairs={est.n}[/]"


COLUMNS: Mapping[str, str] = {
    "humaneval": "HumanEval\npass@1",
    "isolated": "isolated\npairs",
    "repo_level": "repo-level\npairs",
    "context_tax": "context\ntax",
    "issues_resolved": "real\nissues",
    "issues_holds_up": "holds up",
}


FEEDBACK_COLUMNS = ("repair\nrate", "argue\nrate", "cave\nrate")
"""Columns of the feedback rounds (:mod:`proctor.report.feedback`), shown when any ran."""


def comparison_table(comparison: Comparison) -> Table:
    """One row per model: each rate with its 95% interval, and the context tax in points."""
    level = f"{100 * comparison.level:.0f}%"
    rounds = any(row.feedback is not None for row in comparison.models)
    extra = (*(FEEDBACK_COLUMNS if rounds else ()), "edit format\ncompliance")
    table = Table("model", *COLUMNS.values(), *extra, title=f"isolated vs repo-level ({level} CI)")
    for row in comparison.models:
        cells = [
            _points(row.context_tax) if key == "context_tax" else _pct(getattr(row, key))
            for key in COLUMNS
        ]
        more = list(feedback_cells(row.feedback).values()) if rounds else []
        more.append(compliance_cell(row.edit_compliance))
        table.add_row(row.model, *cells, *more)
    return table
