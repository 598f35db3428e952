"""The real offline model (llama.cpp server, SmolLM2-135M) attempts a tiny repository task.

A 135M model will rarely fix anything; the point is that the whole path works for real:
proctor starts the server, the agent talks to it, its answer is applied or recorded as
malformed, the hidden tests grade the result, and every call is recorded.
"""

from __future__ import annotations

import json

import pytest

from proctor.model.local import llama_cpp_available
from proctor.model.weights import cached_weights
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    Outcome,
    References,
    run_attempt,
)
from proctor.run.solvers import ModelChoice, open_model

MODEL = "smollm2-135m"

pytestmark = [
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
    pytest.mark.skipif(
        cached_weights(MODEL) is None,
        reason=f"weights not fetched: python -m proctor.model.fetch {MODEL}",
    ),
]


@pytest.mark.parametrize("agent", ["oneshot", "tools"])
def test_local_model_attempts_a_task_end_to_end(calc, settings, tmp_path, agent) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    choice = ModelChoice(f"local:{MODEL}", agent=agent, max_seconds=120, max_tokens=20_000)
    with open_model(choice, refs, settings) as model:
        result = run_attempt(
            AttemptInput.first(task),
            AttemptContext(model, refs, AttemptOptions(settings)),
            tmp_path / "a",
        )
    assert result.outcome in set(Outcome) - {Outcome.ENVIRONMENT_ERROR}, result
    assert result.model == f"local:{MODEL}+{agent}"
    calls = [
        json.loads(x) for x in (tmp_path / "a" / "model" / "calls.jsonl").read_text().splitlines()
    ]
    assert calls, "no call reached the local server"
    assert all(c.get("error") is None for c in calls[:1]), calls[0]
