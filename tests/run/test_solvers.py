"""A chat model behind an OpenAI-compatible HTTP endpoint, wrapped in an agent, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fake_openai import FakeOpenAI

from proctor.errors import ConfigError, ContextOverflow
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    AttemptResult,
    Outcome,
    References,
    run_attempt,
)
from proctor.run.solvers import (
    PROMPT_OVERHEAD_TOKENS,
    AgentFactory,
    ModelChoice,
    context_budget,
    open_chat_model,
    open_model,
)
from proctor.settings import Settings
from proctor.spec import Task

FIX = """I found the bug in `mean`.

calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE

CONFIDENCE: 0.9
"""


def attempt(
    choice: ModelChoice, task: Task, refs: References, settings: Settings, out: Path
) -> AttemptResult:
    """The first attempt at ``task`` by ``choice``'s model, in ``out``."""
    with open_model(choice, refs, settings) as model:
        return run_attempt(
            AttemptInput.first(task), AttemptContext(model, refs, AttemptOptions(settings)), out
        )


def test_oneshot_over_http_resolves_and_records_calls(calc, settings, tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    FakeOpenAI.answers = [(200, FIX)]
    refs = References([task], settings.repos_dir)
    with open_model(ModelChoice(f"{server}#fake-coder"), refs, settings) as model:
        assert isinstance(model, AgentFactory)
        result = run_attempt(
            AttemptInput.first(task),
            AttemptContext(model, refs, AttemptOptions(settings)),
            tmp_path / "a",
        )
    assert result.outcome is Outcome.RESOLVED, result
    assert result.confidence == 0.9
    assert result.model == f"{server}#fake-coder+oneshot"
    calls = (tmp_path / "a" / "model" / "calls.jsonl").read_text().splitlines()
    assert len(calls) == 1
    prompt = json.dumps(FakeOpenAI.seen[0])
    assert "mean([1, 2, 3])" in prompt  # the problem statement reached the model
    assert "test_mean_single" not in prompt  # the hidden tests did not


def test_the_oracle_retriever_shows_the_reference_files_whole_and_no_test(  # type: ignore[no-untyped-def]
    calc, settings, tmp_path, server
) -> None:
    task, _ = calc
    FakeOpenAI.answers = [(200, FIX)]
    refs = References([task], settings.repos_dir)
    choice = ModelChoice(f"{server}#fake-coder", retriever="oracle")
    result = attempt(choice, task, refs, settings, tmp_path / "a")
    assert result.outcome is Outcome.RESOLVED, result
    prompt = json.dumps(FakeOpenAI.seen[0])
    assert "calc.py:1-11 (file)" in prompt  # the reference's file, whole, at base
    assert "(len(values) + 1)" in prompt  # as it is at base, not as the fix leaves it
    assert "test_calc" not in prompt and "test_mean_single" not in prompt  # no hidden test


def test_server_errors_past_retries_are_recorded_not_raised(
    calc, settings, tmp_path, server
) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    FakeOpenAI.answers = [(500, "boom")] * 10
    refs = References([task], settings.repos_dir)
    choice = ModelChoice(f"{server}#fake-coder", max_retries=2, backoff_s=0.01)
    result = attempt(choice, task, refs, settings, tmp_path / "a")
    assert result.outcome is Outcome.ENVIRONMENT_ERROR
    assert "model error" in result.message


def test_garbage_answer_is_patch_failed(calc, settings, tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    FakeOpenAI.answers = [(200, "I think the code is fine, really.")] * 3
    refs = References([task], settings.repos_dir)
    result = attempt(ModelChoice(f"{server}#fake-coder"), task, refs, settings, tmp_path / "a")
    assert result.outcome is Outcome.PATCH_FAILED
    assert result.model_status == "malformed"


def test_unknown_model_and_agent_are_config_errors(calc, settings, server) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    with (
        pytest.raises(ConfigError, match="unknown model"),
        open_model(ModelChoice("nope"), refs, settings),
    ):
        pass
    bad_agent = ModelChoice(f"{server}#m", agent="telepathy")
    with pytest.raises(ConfigError, match="unknown agent"), open_model(bad_agent, refs, settings):
        pass


def test_missing_key_is_a_config_error(calc, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    refs = References([task], settings.repos_dir)
    with (
        pytest.raises(ConfigError, match="OPENAI_API_KEY"),
        open_model(ModelChoice("openai:gpt-4o-mini"), refs, settings),
    ):
        pass


def test_context_overflow_is_a_limit_not_an_outage(calc, settings, tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    too_long = "This model's maximum context length is 4096 tokens. However, you requested 6656."
    FakeOpenAI.answers = [(400, too_long)]
    with open_chat_model(f"{server}#fake-coder", settings) as chat, pytest.raises(ContextOverflow):
        chat.complete([{"role": "user", "content": "hi"}])
    assert len(FakeOpenAI.seen) == 1  # not retried
    FakeOpenAI.answers = [(400, too_long)]
    refs = References([task], settings.repos_dir)
    choice = ModelChoice(f"{server}#fake-coder", agent="tools")
    result = attempt(choice, task, refs, settings, tmp_path / "a")
    assert result.model_status == "limit"
    assert result.outcome is Outcome.UNRESOLVED


def test_context_budget_fits_the_window() -> None:
    from proctor.model.catalog import local_spec

    spec = local_spec("qwen2.5-coder-0.5b")
    budget = context_budget(spec, 6000)
    assert budget + spec.extra["max_tokens"] + PROMPT_OVERHEAD_TOKENS <= spec.context_window
    small = spec.model_copy(update={"context_window": 2048})
    assert context_budget(small, 6000) == 500
