"""pass@k: the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code", section 2.1.

For a problem with ``n`` samples of which ``c`` passed, the chance that at least one of ``k``
samples drawn without replacement passes is ``1 - C(n-c, k) / C(n, k)``; it is computed as
``1 - prod_{i=n-c+1..n} (1 - k/i)``, which never forms the huge binomials.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["mean_pass_at_k", "pass_at_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem with ``n`` samples, ``c`` of them correct.

    Raises:
        ValueError: unless ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k averaged over problems given as ``(n, c)`` pairs (0.0 when there are none).

    Raises:
        ValueError: a pair is invalid for ``k`` (see :func:`pass_at_k`).
    """
    values = [pass_at_k(n, c, k) for n, c in counts]
    return math.fsum(values) / len(values) if values else 0.0
