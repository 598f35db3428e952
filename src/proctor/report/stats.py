"""Confidence intervals of success rates and of their paired differences (pure).

Outcomes are 0/1 (a task resolved or not) or fractions (a HumanEval problem's pass@1 over
several samples). :func:`bootstrap_ci` resamples them with a seeded generator and takes the
percentile interval of the resampled means; :func:`paired_bootstrap_ci` does the same for
the mean difference of two outcome vectors over the same items (resampling items, so the
pairing is kept); :func:`wilson_ci` is the Wilson score interval of a binomial proportion.

:func:`rate_ci` picks between them: the percentile bootstrap collapses to a point when every
outcome is the same and is too narrow for a handful of tasks, so 0/1 outcomes that are few
(under :data:`MIN_BOOTSTRAP`) or all equal get the Wilson interval instead.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from statistics import NormalDist

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MIN_BOOTSTRAP",
    "RESAMPLES",
    "Estimate",
    "bootstrap_ci",
    "paired_bootstrap_ci",
    "rate_ci",
    "wilson_ci",
]

RESAMPLES = 2000
MIN_BOOTSTRAP = 20
"""Fewest 0/1 outcomes for which :func:`rate_ci` bootstraps rather than use Wilson."""


class Estimate(BaseModel):
    """A point estimate with its confidence interval (field order is the format)."""

    model_config = ConfigDict(frozen=True)

    value: float = Field(description="The mean (a rate in 0..1, or a difference in -1..1).")
    low: float = Field(description="Lower end of the interval.")
    high: float = Field(description="Upper end of the interval.")
    n: int = Field(description="Items the estimate is over (tasks, problems or pairs).")
    method: str = Field(description="'bootstrap', 'paired-bootstrap' or 'wilson'.")
    level: float = Field(0.95, description="Confidence level of the interval.")


def _check(values: Sequence[float], level: float) -> None:
    if not values:
        raise ValueError("no outcomes to estimate from")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly (numpy's default)."""
    pos = q * (len(ordered) - 1)
    below = math.floor(pos)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (pos - below)


def bootstrap_ci(
    values: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
    method: str = "bootstrap",
) -> Estimate:
    """Percentile bootstrap interval of the mean of ``values``.

    Raises:
        ValueError: no values, or a level outside (0, 1), or fewer than one resample.
    """
    _check(values, level)
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    rng = random.Random(seed)
    n = len(values)
    pool = list(values)
    means = sorted(math.fsum(rng.choices(pool, k=n)) / n for _ in range(resamples))
    tail = (1 - level) / 2
    return Estimate(
        value=math.fsum(pool) / n,
        low=_quantile(means, tail),
        high=_quantile(means, 1 - tail),
        n=n,
        method=method,
        level=level,
    )


def paired_bootstrap_ci(
    first: Sequence[float],
    second: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Interval of mean(first - second) over paired items, resampling the pairs.

    Raises:
        ValueError: the vectors differ in length or are empty, or the level is invalid.
    """
    if len(first) != len(second):
        raise ValueError(f"paired outcomes differ in length: {len(first)} and {len(second)}")
    diffs = [a - b for a, b in zip(first, second, strict=True)]
    return bootstrap_ci(
        diffs, resamples=resamples, level=level, seed=seed, method="paired-bootstrap"
    )


def wilson_ci(successes: int, n: int, *, level: float = 0.95) -> Estimate:
    """Wilson score interval of the proportion ``successes / n``.

    Raises:
        ValueError: ``n`` is not positive, ``successes`` is outside 0..n, or the level is
            invalid.
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes}/{n}")
    _check([0.0], level)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(
        value=p,
        low=0.0 if successes == 0 else max(0.0, centre - half),
        high=1.0 if successes == n else min(1.0, centre + half),
        n=n,
        method="wilson",
        level=level,
    )


def rate_ci(
    values: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Interval of a success rate: bootstrap, or Wilson for few or all-equal 0/1 outcomes.

    Raises:
        ValueError: no values, or a level outside (0, 1).
    """
    _check(values, level)
    binary = all(v in (0, 1) for v in values)
    if binary and (len(values) < MIN_BOOTSTRAP or len(set(values)) == 1):
        return wilson_ci(int(sum(values)), len(values), level=level)
    return bootstrap_ci(values, resamples=resamples, level=level, seed=seed)
