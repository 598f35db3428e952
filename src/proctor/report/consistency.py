"""Consistency over K independent samples per task: pass@k, pass^k and the flip rate (pure).

For a task with ``n`` graded samples of which ``c`` resolved:

* **pass@k** (Chen et al., 2021): the chance that at least one of k samples drawn without
  replacement resolves, ``1 - C(n-c, k) / C(n, k)`` (:func:`proctor.run.passk.pass_at_k`);
* **pass^k** (tau-bench, Yao et al., 2024): the chance that **all** k drawn samples resolve,
  ``C(c, k) / C(n, k)``; at k = n it is 1 only when every sample resolved;
* the task **flips** when its samples disagree (some resolved, some not).

Each figure is averaged over the tasks that have at least k graded samples (the others are
counted in ``short``); the flip rate is over the tasks with at least two graded samples.
``environment-error`` samples are left out (counted in ``excluded``); ``tampered`` counts as
not resolved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from proctor.report.stats import Estimate, wilson_ci
from proctor.run import AttemptResult, Outcome, pass_at_k

__all__ = ["Consistency", "consistency", "outcomes_by_task", "pass_hat_k"]


class Consistency(BaseModel):
    """One model's consistency on one suite (field order is the format)."""

    samples: int = Field(description="Most graded samples of any task (K).")
    tasks: int = Field(description="Tasks with at least one graded sample.")
    excluded: int = Field(0, description="Environment-error samples left out.")
    pass_at: dict[int, float] = Field(
        default_factory=dict, description="k -> mean pass@k over tasks with >= k samples."
    )
    pass_hat: dict[int, float] = Field(
        default_factory=dict, description="k -> mean pass^k over tasks with >= k samples."
    )
    short: dict[int, int] = Field(
        default_factory=dict, description="k -> tasks left out for having fewer samples."
    )
    flip_rate: Estimate | None = Field(
        None, description="Tasks whose samples disagree, over tasks with >= 2 samples."
    )
    flipped: list[str] = Field(default_factory=list, description="Ids of the tasks that flip.")


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k of one task: the chance that all of k samples drawn without replacement from
    ``n`` (``c`` resolved) resolved.

    Raises:
        ValueError: unless ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    return math.comb(c, k) / math.comb(n, k)


def outcomes_by_task(results: Sequence[AttemptResult]) -> tuple[dict[str, list[bool]], int]:
    """Task id -> resolved per graded sample (round 0 only, in sample order), and the number
    of environment-error samples left out."""
    by_task: dict[str, list[tuple[int, bool]]] = {}
    excluded = 0
    for r in results:
        if r.round != 0:
            continue
        if r.outcome is Outcome.ENVIRONMENT_ERROR:
            excluded += 1
            continue
        by_task.setdefault(r.task_id, []).append((r.sample, r.outcome is Outcome.RESOLVED))
    return {t: [o for _, o in sorted(s)] for t, s in by_task.items()}, excluded


def consistency(outcomes: Mapping[str, Sequence[bool]], excluded: int = 0) -> Consistency:
    """pass@k and pass^k for every k up to the most samples, and the flip rate."""
    counts = {t: (len(o), sum(o)) for t, o in outcomes.items() if o}
    most = max((n for n, _ in counts.values()), default=0)
    pass_at: dict[int, float] = {}
    pass_hat: dict[int, float] = {}
    short: dict[int, int] = {}
    for k in range(1, most + 1):
        usable = [(n, c) for n, c in counts.values() if n >= k]
        pass_at[k] = math.fsum(pass_at_k(n, c, k) for n, c in usable) / len(usable)
        pass_hat[k] = math.fsum(pass_hat_k(n, c, k) for n, c in usable) / len(usable)
        short[k] = len(counts) - len(usable)
    several = {t: nc for t, nc in counts.items() if nc[0] >= 2}
    flipped = sorted(t for t, (n, c) in several.items() if 0 < c < n)
    return Consistency(
        samples=most,
        tasks=len(counts),
        excluded=excluded,
        pass_at=pass_at,
        pass_hat=pass_hat,
        short=short,
        flip_rate=wilson_ci(len(flipped), len(several)) if several else None,
        flipped=flipped,
    )
