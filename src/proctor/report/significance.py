"""Is the difference between two models real? Paired comparison on the same tasks (pure).

For two models that attempted the same tasks, with one 0/1 outcome per task each:

* the **paired difference** (first's resolved rate minus second's) with a **hierarchical
  bootstrap** interval: each resample draws repositories with replacement, then tasks with
  replacement within every drawn repository (tasks of one repository are not independent:
  they share code, conventions and often an author), and takes the mean difference of what
  it drew; seeded, so the same inputs give the same interval;
* the **exact McNemar p-value**: under "no difference" the tasks only one model resolved are
  equally likely to be either model's, so the count of the first's wins among the ``b + c``
  discordant tasks is Binomial(b + c, 1/2); the two-sided p-value is
  ``min(1, 2 * P(X <= min(b, c)))``.

The difference is called significant when the McNemar p-value is below :data:`ALPHA`; the
interval is shown beside it, and decides nothing (with few repositories it is wide).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from proctor.report.stats import RESAMPLES, Estimate

__all__ = [
    "ALPHA",
    "PairedDifference",
    "hierarchical_bootstrap_ci",
    "mcnemar_exact",
    "paired_difference",
]

ALPHA = 0.05
"""A difference is significant when the McNemar p-value is below this."""


class PairedDifference(BaseModel):
    """Two models on the tasks both were graded on (field order is the format)."""

    first: str
    second: str
    tasks: int = Field(description="Tasks graded for both models.")
    repos: int = Field(description="Repositories those tasks come from.")
    first_rate: float
    second_rate: float
    difference: Estimate = Field(description="first - second, hierarchical bootstrap interval.")
    first_only: int = Field(description="Tasks only the first resolved (McNemar's b).")
    second_only: int = Field(description="Tasks only the second resolved (McNemar's c).")
    p_value: float = Field(description="Exact two-sided McNemar p-value.")
    significant: bool = Field(description=f"p_value < {ALPHA}.")
    unpaired: int = Field(
        0, description="Tasks graded for one model only (the other's was an error), left out."
    )


def mcnemar_exact(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts ``b`` and ``c``
    (1.0 when there are none).

    Raises:
        ValueError: a negative count.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be 0 or more, got {b} and {c}")
    n = b + c
    if n == 0:
        return 1.0
    tail: float = math.fsum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def hierarchical_bootstrap_ci(
    groups: Sequence[Sequence[float]],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Percentile interval of the mean of values grouped by repository, resampling groups,
    then values within each drawn group. ``n`` of the estimate counts values.

    Raises:
        ValueError: no values, an empty group, a level outside (0, 1), or no resamples.
    """
    pools = [list(g) for g in groups]
    if not pools or any(not g for g in pools):
        raise ValueError("need at least one group, and no empty group")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    rng = random.Random(seed)
    means = []
    for _ in range(resamples):
        drawn: list[float] = []
        for group in rng.choices(pools, k=len(pools)):
            drawn += rng.choices(group, k=len(group))
        means.append(math.fsum(drawn) / len(drawn))
    means.sort()
    every = [v for g in pools for v in g]
    tail = (1 - level) / 2
    return Estimate(
        value=math.fsum(every) / len(every),
        low=_quantile(means, tail),
        high=_quantile(means, 1 - tail),
        n=len(every),
        method="hierarchical-bootstrap",
        level=level,
    )


def _quantile(ordered: Sequence[float], q: float) -> float:
    pos = q * (len(ordered) - 1)
    below = math.floor(pos)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (pos - below)


def paired_difference(
    first: tuple[str, Mapping[str, bool]],
    second: tuple[str, Mapping[str, bool]],
    repo_of: Mapping[str, str],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> PairedDifference | None:
    """Compare two models (name, task id -> resolved) on the tasks both have; a task missing
    from ``repo_of`` is its own repository. None when they share no task."""
    (name_a, a), (name_b, b) = first, second
    shared = sorted(a.keys() & b.keys())
    if not shared:
        return None
    by_repo: dict[str, list[float]] = {}
    for task in shared:
        by_repo.setdefault(repo_of.get(task, task), []).append(float(a[task]) - float(b[task]))
    only_a = sum(a[t] and not b[t] for t in shared)
    only_b = sum(b[t] and not a[t] for t in shared)
    p = mcnemar_exact(only_a, only_b)
    return PairedDifference(
        first=name_a,
        second=name_b,
        tasks=len(shared),
        repos=len(by_repo),
        first_rate=sum(a[t] for t in shared) / len(shared),
        second_rate=sum(b[t] for t in shared) / len(shared),
        difference=hierarchical_bootstrap_ci(
            list(by_repo.values()), resamples=resamples, level=level, seed=seed
        ),
        first_only=only_a,
        second_only=only_b,
        p_value=p,
        significant=p < ALPHA,
        unpaired=len(a.keys() ^ b.keys()),
    )
