"""Terminal tables of the figures beside the resolve rate (see :mod:`proctor.report.figures`).

Every cell that has nothing to show says ``n/a`` (a baseline has no conversation; a model
without a published cutoff has no split), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from proctor.report.calibration import Calibration
from proctor.report.compare import ModelComparison
from proctor.report.consistency import Consistency
from proctor.report.fairness import CutoffSplit
from proctor.report.figures import RunFigures
from proctor.report.significance import ALPHA, PairedDifference
from proctor.report.stats import Estimate

__all__ = [
    "NA",
    "calibration_cells",
    "calibration_table",
    "consistency_cells",
    "consistency_table",
    "differences_table",
    "fairness_table",
]

NA = "[dim]n/a[/]"
SCORES = {
    "issues_resolved": "real issues resolved",
    "issues_holds_up": "real issues, holds up",
    "isolated": "isolated pairs",
    "repo_level": "repo-level pairs",
}


def _rate(est: Estimate | None) -> str:
    if est is None:
        return NA
    interval = escape(f"[{100 * est.low:.0f},{100 * est.high:.0f}]")
    return f"{100 * est.value:.0f}% [dim]{interval} n={est.n}[/]"


def _points(est: Estimate | None) -> str:
    if est is None:
        return NA
    interval = escape(f"[{100 * est.low:+.0f},{100 * est.high:+.0f}]")
    return f"{100 * est.value:+.0f} pp [dim]{interval}[/]"


def _num(value: float | None) -> str:
    return NA if value is None else f"{value:.2f}"


CALIBRATION_COLUMNS = (
    "Brier\nresolved",
    "Brier\nholds up",
    "ECE\nresolved",
    "ECE\nholds up",
    "AUROC",
    "confidently\nwrong",
    "honest\nabstention",
    "confidence\nstated",
)


def calibration_cells(cal: Calibration | None) -> list[str]:
    """The cells of :data:`CALIBRATION_COLUMNS` (all n/a for no conversation)."""
    if cal is None:
        return [NA] * len(CALIBRATION_COLUMNS)
    stated = f"{cal.stated} of {cal.answers}"
    stated += f"\n[dim]missing {cal.missing}, cannot fix {cal.abstained}"
    stated += f", errors left out {cal.excluded}[/]"
    return [
        _num(cal.brier_resolved),
        _num(cal.brier_holds_up),
        _num(cal.ece_resolved),
        _num(cal.ece_holds_up),
        _num(cal.auroc_resolved),
        _rate(cal.confidently_wrong),
        _rate(cal.honest_abstention),
        stated,
    ]


NARROW_BELOW = 110
"""Terminal columns below which a figures table turns to one row per figure."""


def _per_figure(title: str, columns: Sequence[str], rows: Sequence[tuple[str, list[str]]]) -> Table:
    """The figures of ``rows`` (model, cells) with one row per figure and one column per
    model: what stays readable at 80 columns."""
    table = Table("figure", *(escape(model) for model, _ in rows), title=title)
    for i, column in enumerate(columns):
        table.add_row(column.replace("\n", " "), *(cells[i] for _, cells in rows))
    return table


def calibration_table(
    rows: Sequence[tuple[str, Calibration | None]], width: int | None = None
) -> Table:
    """One row per model: its stated confidence against the outcomes (one row per figure
    instead when ``width`` is under :data:`NARROW_BELOW`)."""
    title = "calibration (real issues)"
    if width is not None and width < NARROW_BELOW:
        cells = [(model, calibration_cells(cal)) for model, cal in rows]
        return _per_figure(title, CALIBRATION_COLUMNS, cells)
    table = Table("model", *CALIBRATION_COLUMNS, title=title)
    for model, cal in rows:
        table.add_row(escape(model), *calibration_cells(cal))
    return table


CONSISTENCY_COLUMNS = ("samples", "pass@k", "pass^k", "flip rate")


def consistency_cells(con: Consistency | None) -> list[str]:
    """The cells of :data:`CONSISTENCY_COLUMNS` at k = the most samples."""
    if con is None or not con.samples:
        return [NA] * len(CONSISTENCY_COLUMNS)
    k = con.samples
    short = f" [dim]({con.short[k]} short)[/]" if con.short.get(k) else ""
    return [
        f"{k} over {con.tasks} task(s)"
        + (f"\n[dim]errors left out {con.excluded}[/]" if con.excluded else ""),
        f"pass@{k} {100 * con.pass_at[k]:.0f}%{short}",
        f"pass^{k} {100 * con.pass_hat[k]:.0f}%{short}",
        _rate(con.flip_rate) if con.flip_rate is not None else NA,
    ]


def consistency_table(
    rows: Sequence[tuple[str, Consistency | None]], width: int | None = None
) -> Table:
    """One row per model: how often K samples of one task agree (one row per figure instead
    when ``width`` is under :data:`NARROW_BELOW`)."""
    title = "consistency over samples (real issues)"
    if width is not None and width < NARROW_BELOW:
        cells = [(model, consistency_cells(con)) for model, con in rows]
        return _per_figure(title, CONSISTENCY_COLUMNS, cells)
    table = Table("model", *CONSISTENCY_COLUMNS, title=title)
    for model, con in rows:
        table.add_row(escape(model), *consistency_cells(con))
    return table


def _split_cells(split: CutoffSplit | None, cutoff_known: bool) -> list[str]:
    if not cutoff_known:
        return ["[dim]unknown cutoff[/]", NA, NA]
    if split is None:
        return [NA, NA, NA]
    return [_rate(split.after), _rate(split.before), _points(split.delta)]


def fairness_table(
    rows: Sequence[ModelComparison | RunFigures], *, window: bool = False, width: int | None = None
) -> Table:
    """One row per model and score: after vs before the model's training cutoff, the
    contamination delta (before - after) and, with ``window``, the common window's rate (one
    row per figure and a column per model instead when ``width`` is under
    :data:`NARROW_BELOW`)."""
    title = "release-date fairness"
    if width is not None and width < NARROW_BELOW:
        return _fairness_per_figure(title, rows, window)
    columns = ["model", "cutoff / released", "score", "after cutoff", "before cutoff"]
    columns += ["contamination\ndelta"] + (["same window"] if window else [])
    table = Table(*columns, title=title)
    for row in rows:
        dates = f"{row.cutoff or 'unknown'} / {row.released or 'unknown'}"
        names = _scores(row)
        for i, score in enumerate(names):
            cells = _split_cells(row.by_cutoff.get(score), row.cutoff is not None)
            if window:
                cells.append(_window(row) if score == "issues_resolved" else "")
            table.add_row(
                escape(row.model) if i == 0 else "",
                dates if i == 0 else "",
                SCORES[score],
                *cells,
                end_section=i == len(names) - 1,
            )
    return table


def _scores(row: ModelComparison | RunFigures) -> list[str]:
    return [s for s in SCORES if s in row.by_cutoff] or ["issues_resolved"]


def _window(row: ModelComparison | RunFigures) -> str:
    return _rate(row.same_window if isinstance(row, ModelComparison) else None)


def _fairness_per_figure(
    title: str, rows: Sequence[ModelComparison | RunFigures], window: bool
) -> Table:
    names = list(dict.fromkeys(score for row in rows for score in _scores(row)))
    columns = ["cutoff", "released"]
    for score in names:
        columns += [SCORES[score], "  after cutoff", "  before cutoff", "  delta"]
    columns += ["same window"] if window else []
    cells = []
    for row in rows:
        known = row.cutoff is not None
        mine = [str(row.cutoff or "unknown"), str(row.released or "unknown")]
        for score in names:
            mine += ["", *_split_cells(row.by_cutoff.get(score), known)]
        mine += [_window(row)] if window else []
        cells.append((row.model, mine))
    return _per_figure(title, columns, cells)


def differences_table(differences: Sequence[PairedDifference]) -> Table:
    """One row per pair of models: the paired difference, its interval, McNemar."""
    table = Table(
        "first",
        "second",
        "tasks\n(repos)",
        "difference\n(first - second)",
        "only first /\nonly second",
        "McNemar p",
        "significant",
        title=f"is the difference real? (real issues; McNemar at {ALPHA})",
    )
    for d in differences:
        table.add_row(
            escape(d.first),
            escape(d.second),
            f"{d.tasks} ({d.repos})" + (f"\n[dim]{d.unpaired} unpaired[/]" if d.unpaired else ""),
            _points(d.difference),
            f"{d.first_only} / {d.second_only}",
            f"{d.p_value:.3g}",
            "[bold]yes[/]" if d.significant else "no",
        )
    return table
