"""Confidence intervals on cases whose answers are known."""

from __future__ import annotations

import pytest

from proctor.report.stats import (
    Estimate,
    bootstrap_ci,
    paired_bootstrap_ci,
    rate_ci,
    wilson_ci,
)


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; and the textbook 5/10 case
    est = wilson_ci(81, 263)
    assert (round(est.low, 4), round(est.high, 4)) == (0.2553, 0.3662)
    half = wilson_ci(5, 10)
    assert (round(half.low, 4), round(half.high, 4)) == (0.2366, 0.7634)
    assert half.value == 0.5 and half.method == "wilson"


def test_wilson_at_the_edges_stays_in_range_and_is_not_a_point() -> None:
    none, every = wilson_ci(0, 10), wilson_ci(10, 10)
    assert none.low == 0.0 and 0.25 < none.high < 0.35
    assert every.high == 1.0 and 0.65 < every.low < 0.75


def test_bootstrap_of_a_fair_coin_is_near_the_normal_interval() -> None:
    est = bootstrap_ci([1, 0] * 50)
    assert est.value == 0.5 and est.n == 100 and est.method == "bootstrap"
    assert est.low == pytest.approx(0.5 - 0.098, abs=0.02)
    assert est.high == pytest.approx(0.5 + 0.098, abs=0.02)


def test_bootstrap_is_seeded() -> None:
    values = [1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1]
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3).value == bootstrap_ci(values, seed=4).value


def test_bootstrap_of_constant_values_is_a_point() -> None:
    assert bootstrap_ci([1, 1, 1]).model_dump(include={"low", "high"}) == {"low": 1, "high": 1}


def test_bootstrap_takes_fractions() -> None:
    est = bootstrap_ci([0.2, 0.4, 0.6, 0.8] * 10)
    assert est.value == pytest.approx(0.5)
    assert 0.4 < est.low < 0.5 < est.high < 0.6


def test_paired_difference() -> None:
    same = [1, 0, 1, 1, 0] * 8
    assert paired_bootstrap_ci(same, same).model_dump(include={"value", "low", "high"}) == {
        "value": 0,
        "low": 0,
        "high": 0,
    }
    # 12 of 100 items solved in isolation only, 2 the other way round: +10 points
    iso = [1] * 12 + [0] * 2 + [1] * 40 + [0] * 46
    repo = [0] * 12 + [1] * 2 + [1] * 40 + [0] * 46
    est = paired_bootstrap_ci(iso, repo)
    assert est.value == pytest.approx(0.10) and est.method == "paired-bootstrap"
    assert 0.0 < est.low < 0.10 < est.high < 0.2
    # the pairing matters: unpaired intervals of each side overlap, the paired one excludes 0
    assert rate_ci(iso).low < rate_ci(repo).high
    assert est.low > 0


def test_rate_ci_uses_wilson_for_few_or_constant_outcomes() -> None:
    assert rate_ci([1, 0, 1]).method == "wilson"
    assert rate_ci([1] * 50).method == "wilson"
    assert rate_ci([1] * 50).low > 0.9
    assert rate_ci([1, 0] * 20).method == "bootstrap"
    assert rate_ci([0.5] * 3).method == "bootstrap"  # fractions are not binomial


@pytest.mark.parametrize(
    "call",
    [
        lambda: bootstrap_ci([]),
        lambda: bootstrap_ci([1], level=1.5),
        lambda: bootstrap_ci([1], resamples=0),
        lambda: paired_bootstrap_ci([1, 0], [1]),
        lambda: wilson_ci(3, 2),
        lambda: wilson_ci(0, 0),
        lambda: rate_ci([]),
    ],
)
def test_bad_input_is_a_value_error(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


def test_estimate_round_trips_as_json() -> None:
    est = rate_ci([1, 0] * 20)
    assert Estimate.model_validate_json(est.model_dump_json()) == est
    assert list(Estimate.model_fields) == ["value", "low", "high", "n", "method", "level"]
