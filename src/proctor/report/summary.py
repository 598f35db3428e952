"""Summaries of a run: counts per outcome and terminal tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table

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
    """Count outcomes of a run."""
    counts = Counter(r.outcome.value for r in results)
    model = results[0].model if results else ""
    outcomes = {o.value: counts.get(o.value, 0) for o in Outcome}
    return Summary(model, len(results), outcomes, sum(r.holds_up for r in results))


def results_table(results: Sequence[AttemptResult]) -> Table:
    """One row per task: outcome, F2P and P2P passed, time."""
    table = Table("task", "outcome", "holds up", "F2P", "P2P", "seconds", "note", title="attempts")
    for r in results:
        style = _STYLE[r.outcome]
        note = escape((r.message or "; ".join([*r.integrity, *r.notes]))[:70])
        table.add_row(
            r.task_id,
            f"[{style}]{r.outcome.value}[/]",
            _holds(r),
            f"{r.f2p_passed}/{r.f2p_total}",
            f"{r.p2p_passed}/{r.p2p_total}",
            f"{r.durations.get('total', 0.0):.1f}",
            note,
        )
    return table


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


def summary_table(summary: Summary) -> Table:
    """Totals per outcome, with resolved and holds-up rates side by side."""
    others = [o for o in Outcome if o is not Outcome.RESOLVED]
    table = Table("model", "tasks", "resolved", "holds up", *[o.value for o in others])
    table.add_row(
        summary.model,
        str(summary.total),
        f"{summary.resolved} ({summary.resolved_pct:.0f}%)",
        f"{summary.holds_up} ({summary.holds_up_pct:.0f}%)",
        *[str(summary.outcomes[o.value]) for o in others],
    )
    return table


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
