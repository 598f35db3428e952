"""Summaries of a run: counts per outcome and terminal tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from proctor.report.feedback import headline
from proctor.run import AttemptResult, Outcome
from proctor.sandbox import BACKENDS, FULL_ISOLATION

_STYLE = {
    Outcome.RESOLVED: "green",
    Outcome.UNRESOLVED: "yellow",
    Outcome.PATCH_FAILED: "magenta",
    Outcome.ENVIRONMENT_ERROR: "red",
    Outcome.TIMEOUT: "red",
    Outcome.TAMPERED: "bold red",
}


@dataclass(frozen=True)
class Summary:
    """Counts of one model's results."""

    model: str
    total: int
    outcomes: dict[str, int]
    holds_up: int = 0
    samples: int = 1
    """Samples per task in the run; only sample 0 is counted here."""

    @property
    def resolved(self) -> int:
        """Tasks resolved."""
        return self.outcomes.get(Outcome.RESOLVED.value, 0)

    @property
    def resolved_pct(self) -> float:
        """Resolved share in percent (0 for an empty run)."""
        return 100.0 * self.resolved / self.total if self.total else 0.0

    @property
    def holds_up_pct(self) -> float:
        """Share that resolved and is also clean, in percent."""
        return 100.0 * self.holds_up / self.total if self.total else 0.0


def summarize(results: Sequence[AttemptResult]) -> Summary:
    """Count outcomes of a run: its headline, round 0 of sample 0 of every task."""
    first = headline(results)
    counts = Counter(r.outcome.value for r in first)
    model = results[0].model if results else ""
    outcomes = {o.value: counts.get(o.value, 0) for o in Outcome}
    samples = 1 + max((r.sample for r in results), default=0)
    return Summary(model, len(first), outcomes, sum(r.holds_up for r in first), samples)


NARROW = 110
"""Terminal widths below this get the narrow tables: notes on their own lines, the summary
as one row per figure."""


def _note(r: AttemptResult) -> str:
    return r.message or "; ".join([*r.integrity, *r.notes])


def results_table(results: Sequence[AttemptResult], width: int | None = None) -> RenderableType:
    """One row per task: outcome, F2P and P2P passed, time, and the note.

    Given a ``width`` below :data:`NARROW`, the notes leave the table: each is printed whole
    on its own line under it, and task ids are never cut (they wrap).
    """
    narrow = width is not None and width < NARROW
    table = Table(title="attempts")
    table.add_column("task", overflow="fold", min_width=min(40, _longest(results)))
    for name in ("outcome", "holds up", "F2P", "P2P", "seconds"):
        table.add_column(name, no_wrap=True)
    if not narrow:
        table.add_column("note")
    notes = []
    for r in results:
        style = _STYLE[r.outcome]
        cells = [
            escape(r.task_id),
            f"[{style}]{r.outcome.value}[/]",
            _holds(r),
            f"{r.f2p_passed}/{r.f2p_total}",
            f"{r.p2p_passed}/{r.p2p_total}",
            f"{r.durations.get('total', 0.0):.1f}",
        ]
        if not narrow:
            cells.append(escape(_note(r)[:70]))
        elif _note(r):
            notes.append(Text.assemble((r.task_id, "bold"), ": ", _note(r)))
        table.add_row(*cells)
    if not notes:
        return table
    return Group(table, Text("notes:", style="bold"), *notes)


def _longest(results: Sequence[AttemptResult]) -> int:
    return max((len(r.task_id) for r in results), default=4)


def _holds(r: AttemptResult) -> str:
    quality = r.quality
    if quality is None:
        return "-"
    if r.holds_up:
        return "[green]yes[/]"
    deciding = {
        "lint": quality.lint,
        "conventions": quality.conventions,
        "hygiene": quality.hygiene,
    }
    failed = [name for name, check in deciding.items() if not check.ok]
    return "no" + (f" ({', '.join(failed)})" if failed else "")


def summary_table(summary: Summary, width: int | None = None) -> Table:
    """Totals per outcome, with resolved and holds-up rates side by side; given a ``width``
    below :data:`NARROW`, one row per figure."""
    others = [o for o in Outcome if o is not Outcome.RESOLVED]
    if width is not None and width < NARROW:
        table = Table("", "", show_header=False, title="summary")
        table.add_row("model", escape(summary.model))
        table.add_row("tasks", _tasks(summary))
        table.add_row("resolved", f"{summary.resolved} ({summary.resolved_pct:.0f}%)")
        table.add_row("holds up", f"{summary.holds_up} ({summary.holds_up_pct:.0f}%)")
        for o in others:
            table.add_row(o.value, str(summary.outcomes[o.value]))
        return table
    table = Table("model", "tasks", "resolved", "holds up", *[o.value for o in others])
    table.add_row(
        summary.model,
        _tasks(summary),
        f"{summary.resolved} ({summary.resolved_pct:.0f}%)",
        f"{summary.holds_up} ({summary.holds_up_pct:.0f}%)",
        *[str(summary.outcomes[o.value]) for o in others],
    )
    return table


def _tasks(summary: Summary) -> str:
    if summary.samples == 1:
        return str(summary.total)
    return f"{summary.total} (sample 0 of {summary.samples})"


def weak_sandbox_note(results: Sequence[AttemptResult]) -> str | None:
    """One line when any attempt ran under a weaker sandbox than full isolation, else None."""
    weaker = set(BACKENDS) - set(FULL_ISOLATION)
    weak = Counter(r.sandbox for r in results if r.sandbox in weaker)
    if not weak:
        return None
    runs = ", ".join(f"{n} under {name!r}" for name, n in sorted(weak.items()))
    return (
        f"{sum(weak.values())} attempt(s) ran with weaker isolation ({runs}): "
        "their code could read or change what full isolation hides, so their verdicts "
        "are not as trustworthy"
    )
