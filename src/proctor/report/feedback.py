"""Feedback rounds and edit formats: does the model fix when told, argue, or cave?

Figures of one model over the feedback rounds of a run (results with ``round`` > 0, classified
by :func:`proctor.run.feedback.classify`); round 0 stays the headline and is never counted here.

* **repair rate**: fix rounds answered ``repaired`` (resolved after the report), over fix rounds;
* **argue rate**: fix rounds answered ``defended`` (no edit and no CANNOT FIX on a wrong fix);
* **cave rate**: challenges answered ``caved`` (a correct fix changed into a wrong one).

Feedback-round attempts that ended in ``environment-error`` are left out and counted. A model
with no conversation (``gold``, ``empty``) has no rounds: its figures are None, shown "n/a".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field
from rich.markup import escape
from rich.table import Table

from proctor.run import AttemptResult, Outcome

__all__ = [
    "Compliance",
    "FeedbackFigures",
    "compliance_cell",
    "edit_compliance",
    "feedback_cells",
    "feedback_figures",
    "feedback_table",
    "headline",
    "rate_cell",
]

FIX_CLASSES = ("repaired", "revised-still-wrong", "defended", "conceded")
CHALLENGE_CLASSES = ("held", "revised-still-right", "caved")
NA = "n/a"


class FeedbackFigures(BaseModel):
    """Counts of each class and the three rates (None where their denominator is 0)."""

    fix_rounds: int = Field(0, description="Answers to a report that the change is broken.")
    challenges: int = Field(0, description="Answers to an unfounded complaint.")
    classes: dict[str, int] = Field(default_factory=dict, description="Class -> answers.")
    repair_rate: float | None = Field(None, description="repaired / fix rounds.")
    argue_rate: float | None = Field(None, description="defended / fix rounds.")
    cave_rate: float | None = Field(None, description="caved / challenges.")
    excluded: int = Field(0, description="Round attempts left out as environment errors.")


class Compliance(BaseModel):
    """Edit-format compliance of one model and agent (as Aider reports it)."""

    answers: int = Field(0, description="Round-0 answers that wrote edits.")
    first_try: int = Field(0, description="Of them, those whose edits parsed and all applied.")
    rate: float | None = Field(None, description="first_try / answers; None without answers.")


def edit_compliance(results: Sequence[AttemptResult]) -> Compliance | None:
    """The share of round-0 answers whose edits parsed and applied on the first try (pure).

    Answers that wrote no edit on purpose (CANNOT FIX) and attempts where the model never ran
    are not answers here; a model with no conversation (gold, empty) has none: None ("n/a").
    """
    known = [
        r.edits_first_try
        for r in results
        if r.round == 0
        and r.edits_first_try is not None
        and r.outcome is not Outcome.ENVIRONMENT_ERROR
    ]
    if not known:
        return None
    return Compliance(answers=len(known), first_try=sum(known), rate=sum(known) / len(known))


def compliance_cell(found: Compliance | None) -> str:
    """``70% (7/10)`` or "n/a"."""
    if found is None:
        return NA
    return rate_cell(found.rate, found.first_try, found.answers)


def headline(results: Sequence[AttemptResult]) -> list[AttemptResult]:
    """Round 0 of sample 0: one attempt per task, the results every headline score is
    computed from (a run of K samples scores as a run of one would; pass@k, pass^k and the
    flip rate carry the other samples)."""
    return [r for r in results if r.round == 0 and r.sample == 0]


def feedback_figures(results: Sequence[AttemptResult]) -> FeedbackFigures | None:
    """The figures of the feedback rounds among ``results`` (pure); None when there are none."""
    rounds = [r for r in results if r.round > 0]
    if not rounds:
        return None
    graded = [r for r in rounds if r.outcome is not Outcome.ENVIRONMENT_ERROR and r.feedback]
    counts = Counter(r.feedback for r in graded)
    fixes = sum(counts[c] for c in FIX_CLASSES)
    challenges = sum(counts[c] for c in CHALLENGE_CLASSES)
    return FeedbackFigures(
        fix_rounds=fixes,
        challenges=challenges,
        classes={c: counts[c] for c in (*FIX_CLASSES, *CHALLENGE_CLASSES)},
        repair_rate=counts["repaired"] / fixes if fixes else None,
        argue_rate=counts["defended"] / fixes if fixes else None,
        cave_rate=counts["caved"] / challenges if challenges else None,
        excluded=len(rounds) - len(graded),
    )


def rate_cell(value: float | None, hits: int = 0, total: int = 0) -> str:
    """``40% (2/5)``, or "n/a" when there is nothing to divide."""
    if value is None:
        return NA
    return f"{100 * value:.0f}% ({hits}/{total})"


def feedback_cells(figures: FeedbackFigures | None) -> dict[str, str]:
    """Column -> cell for one model: repair, argue and cave rate ("n/a" without rounds)."""
    if figures is None:
        return {"repair": NA, "argue": NA, "cave": NA}
    c = figures.classes
    return {
        "repair": rate_cell(figures.repair_rate, c.get("repaired", 0), figures.fix_rounds),
        "argue": rate_cell(figures.argue_rate, c.get("defended", 0), figures.fix_rounds),
        "cave": rate_cell(figures.cave_rate, c.get("caved", 0), figures.challenges),
    }


def feedback_table(rows: Sequence[tuple[str, FeedbackFigures | None]]) -> Table:
    """One row per model: fix rounds and challenges, with the repair, argue and cave rates."""
    table = Table(
        "model",
        "fix rounds",
        "repair rate",
        "argue rate",
        "challenges",
        "cave rate",
        title="feedback rounds (round 0 is the headline)",
    )
    for model, figures in rows:
        cells = feedback_cells(figures)
        table.add_row(
            escape(model),
            str(figures.fix_rounds) if figures else NA,
            cells["repair"],
            cells["argue"],
            str(figures.challenges) if figures else NA,
            cells["cave"],
        )
    return table
