"""How samples are drawn: the temperature and seed of each, and what is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.model import ModelSpec
from proctor.run import ModelChoice, check_sampling, model_dates
from proctor.run.solvers import AgentFactory, sampling_temperature

SPEC = ModelSpec(name="m", base_url="http://127.0.0.1:9/v1", model="m")


def test_temperature_comes_from_the_choice_then_the_catalog_then_zero() -> None:
    warm = SPEC.model_copy(update={"extra": {"temperature": 0.4}})
    assert sampling_temperature(SPEC, ModelChoice("m")) == 0.0
    assert sampling_temperature(warm, ModelChoice("m")) == 0.4
    assert sampling_temperature(warm, ModelChoice("m", temperature=0.9)) == 0.9
    assert sampling_temperature(warm, ModelChoice("m", temperature=0.0)) == 0.0


def test_each_sample_is_seeded_by_its_index_only_when_it_samples() -> None:
    warm = AgentFactory(SPEC, ModelChoice("m", retriever="none", temperature=0.7))
    assert [warm.sampling(s) for s in range(3)] == [(0.7, 0), (0.7, 1), (0.7, 2)]
    cold = AgentFactory(SPEC, ModelChoice("m", retriever="none"))
    assert cold.sampling(2) == (0.0, None)  # at temperature 0 a seed changes nothing


def test_refusals(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no project models.yaml here
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    check_sampling(ModelChoice("openai:gpt-x"), 1)
    check_sampling(ModelChoice("openai:gpt-x", temperature=0.5), 3)
    with pytest.raises(ConfigError, match="--samples 3 at temperature 0 repeats one answer"):
        check_sampling(ModelChoice("openai:gpt-x"), 3)
    with pytest.raises(ConfigError, match="gold has no sampling"):
        check_sampling(ModelChoice("gold", temperature=1.0), 2)
    with pytest.raises(ConfigError, match="1 or more"):
        check_sampling(ModelChoice("openai:gpt-x"), 0)


def test_model_dates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert model_dates("local:qwen2.5-coder-1.5b") == (dt.date(2024, 9, 18), dt.date(2024, 9, 19))
    assert model_dates("gold") == (None, None)
    assert model_dates("openai:gpt-x") == (None, None)  # ad hoc: nothing published here
    assert model_dates("no-such-model") == (None, None)


def test_an_offline_model_request_may_take_the_task_budget_a_served_one_120_s() -> None:
    local = SPEC.model_copy(update={"local": "qwen2.5-coder-0.5b"})
    timeout = AgentFactory(local, ModelChoice("m", max_seconds=600))._llm(None)._client.timeout
    assert timeout == 600
    unbounded = AgentFactory(local, ModelChoice("m", max_seconds=None))._llm(None)
    assert unbounded._client.timeout == 1800
    assert AgentFactory(SPEC, ModelChoice("m", max_seconds=600))._llm(None)._client.timeout == 120
