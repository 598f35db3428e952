"""Release-date fairness: scores split at a model's training cutoff, and a common window (pure).

A task created after a model's training cutoff cannot be in its training data; one created
before may be (the repository's fix was public). So every score is also shown split:

* **after** the cutoff (``created_at`` on a later day than the cutoff) and **before** it (on
  or before the cutoff day), each with its interval;
* the **contamination delta**: before minus after, with a bootstrap interval that resamples
  each side on its own (positive: the model does better on tasks it may have seen).

A model with no published cutoff gets no split: unknown, never assumed.

:func:`same_window` is where models trained months apart can be compared fairly: only the
tasks created after **every** compared model's cutoff. A model whose cutoff is unknown cannot
be placed in the window: it is left out, and named. :func:`release_gap` warns when the
compared models were released more than :data:`RELEASE_GAP_MONTHS` months apart.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import BaseModel, Field

from proctor.report.stats import RESAMPLES, Estimate, rate_ci

__all__ = [
    "RELEASE_GAP_MONTHS",
    "CutoffSplit",
    "Window",
    "add_months",
    "cutoff_split",
    "difference_ci",
    "release_gap",
    "same_window",
]

RELEASE_GAP_MONTHS = 3
"""Release dates further apart than this many months make a comparison unfair (warned)."""


class CutoffSplit(BaseModel):
    """One score split at the model's training cutoff (field order is the format)."""

    cutoff: date | None = Field(description="The model's training cutoff; None: unknown.")
    after: Estimate | None = Field(None, description="Over tasks created after the cutoff.")
    before: Estimate | None = Field(None, description="Over tasks created on or before it.")
    delta: Estimate | None = Field(
        None, description="before - after (contamination delta); None unless both sides exist."
    )


class Window(BaseModel):
    """The tasks every included model could not have seen (field order is the format)."""

    start: date | None = Field(description="The latest cutoff: tasks created after it count.")
    tasks: list[str] = Field(default_factory=list, description="Task ids in the window.")
    models: list[str] = Field(default_factory=list, description="Models compared in it.")
    unknown: list[str] = Field(default_factory=list, description="Left out: cutoff unknown.")

    @property
    def note(self) -> str:
        """One line: the window, its n, and who is left out."""
        if self.start is None:
            text = "same window: no compared model has a known training cutoff"
        else:
            text = f"same window: tasks created after {self.start} (n={len(self.tasks)})"
        if self.unknown:
            text += f"; left out, training cutoff unknown: {', '.join(self.unknown)}"
        return text


def difference_ci(
    first: Sequence[float],
    second: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Interval of mean(first) - mean(second) for two independent samples, resampling each
    on its own (seeded); ``n`` counts both.

    Raises:
        ValueError: either side is empty, or the level or resamples are invalid.
    """
    if not first or not second:
        raise ValueError("both sides need outcomes")
    if not 0 < level < 1 or resamples < 1:
        raise ValueError(f"invalid level {level} or resamples {resamples}")
    rng = random.Random(seed)
    diffs = sorted(
        math.fsum(rng.choices(first, k=len(first))) / len(first)
        - math.fsum(rng.choices(second, k=len(second))) / len(second)
        for _ in range(resamples)
    )
    tail = (1 - level) / 2

    def quantile(q: float) -> float:
        pos = q * (len(diffs) - 1)
        below = math.floor(pos)
        above = min(below + 1, len(diffs) - 1)
        return diffs[below] + (diffs[above] - diffs[below]) * (pos - below)

    return Estimate(
        value=math.fsum(first) / len(first) - math.fsum(second) / len(second),
        low=quantile(tail),
        high=quantile(1 - tail),
        n=len(first) + len(second),
        method="bootstrap-difference",
        level=level,
    )


def cutoff_split(
    outcomes: Sequence[tuple[date, float]],
    cutoff: date | None,
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> CutoffSplit:
    """Split (task creation day, outcome) pairs at ``cutoff``; every part None when the
    cutoff is unknown, a side None when it has no task."""
    if cutoff is None:
        return CutoffSplit(cutoff=None)
    after = [v for day, v in outcomes if day > cutoff]
    before = [v for day, v in outcomes if day <= cutoff]
    return CutoffSplit(
        cutoff=cutoff,
        after=rate_ci(after, resamples=resamples, level=level, seed=seed) if after else None,
        before=rate_ci(before, resamples=resamples, level=level, seed=seed) if before else None,
        delta=(
            difference_ci(before, after, resamples=resamples, level=level, seed=seed)
            if after and before
            else None
        ),
    )


def same_window(cutoffs: Mapping[str, date | None], created: Mapping[str, date]) -> Window:
    """The tasks (id -> creation day) created after every known cutoff of ``cutoffs`` (model ->
    cutoff); models with an unknown cutoff are left out and listed."""
    known = {m: c for m, c in cutoffs.items() if c is not None}
    unknown = [m for m, c in cutoffs.items() if c is None]
    if not known:
        return Window(start=None, unknown=unknown)
    start = max(known.values())
    tasks = sorted(t for t, day in created.items() if day > start)
    return Window(start=start, tasks=tasks, models=list(known), unknown=unknown)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def release_gap(released: Mapping[str, date | None]) -> str | None:
    """A warning when the known release dates (model -> date) lie more than
    :data:`RELEASE_GAP_MONTHS` months apart, else None."""
    known = sorted((d, m) for m, d in released.items() if d is not None)
    if len(known) < 2:
        return None
    (first_day, first), (last_day, last) = known[0], known[-1]
    if last_day <= add_months(first_day, RELEASE_GAP_MONTHS):
        return None
    return (
        f"{first} was released {first_day} and {last} {last_day}, more than "
        f"{RELEASE_GAP_MONTHS} months apart: compare them with --same-window"
    )
