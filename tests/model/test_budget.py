"""Budget: what ran out, and thread safety."""

from __future__ import annotations

import threading

import pytest

from proctor.errors import BudgetExceeded, ModelError
from proctor.model.budget import Budget
from proctor.model.llm import ChatResponse


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_unlimited_never_raises() -> None:
    budget = Budget()
    budget.charge(ChatResponse("x", prompt_tokens=10**9, cost_usd=10**6))
    budget.check()


def test_tokens_run_out() -> None:
    budget = Budget(max_tokens=100)
    budget.charge(ChatResponse("x", prompt_tokens=60, completion_tokens=30))
    budget.check()
    budget.charge(ChatResponse("x", prompt_tokens=5, completion_tokens=5))
    with pytest.raises(BudgetExceeded, match="tokens: 100 used of 100"):
        budget.check()


def test_dollars_run_out() -> None:
    budget = Budget(max_usd=0.01)
    budget.charge(ChatResponse("x", cost_usd=0.004))
    budget.check()
    budget.charge(ChatResponse("x", cost_usd=0.007))
    with pytest.raises(BudgetExceeded, match=r"dollars: \$0.0110 spent of \$0.0100"):
        budget.check()


def test_time_runs_out() -> None:
    clock = Clock()
    budget = Budget(max_seconds=30, clock=clock)
    clock.now += 29
    budget.check()
    clock.now += 2
    with pytest.raises(BudgetExceeded, match=r"time: 31.0s elapsed of 30.0s") as info:
        budget.check()
    assert isinstance(info.value, ModelError)


def test_usage_totals() -> None:
    clock = Clock()
    budget = Budget(clock=clock)
    budget.charge(ChatResponse("x", prompt_tokens=3, completion_tokens=4, cost_usd=0.5))
    clock.now += 2
    assert budget.usage() == {
        "calls": 1.0,
        "prompt_tokens": 3.0,
        "completion_tokens": 4.0,
        "cost_usd": 0.5,
        "seconds": 2.0,
    }


def test_concurrent_charges_are_all_counted() -> None:
    budget = Budget()
    response = ChatResponse("x", prompt_tokens=1, completion_tokens=1, cost_usd=0.25)

    def work() -> None:
        for _ in range(2000):
            budget.charge(response)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget.tokens == 8 * 2000 * 2
    assert budget.usd == pytest.approx(8 * 2000 * 0.25)
