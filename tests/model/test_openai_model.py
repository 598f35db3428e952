"""OpenAIChatModel against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proctor.errors import BudgetExceeded, ConfigError, ModelError
from proctor.model.budget import Budget
from proctor.model.catalog import ModelSpec
from proctor.model.openai_model import DEFAULT_SEED, OpenAIChatModel
from proctor.model.replay import ReplayChatModel

KEY = "sk-test-SECRET-0123456789"
HELLO = [{"role": "user", "content": "hello"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def spec(fake_server: Any, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    monkeypatch.setenv("FAKE_KEY", KEY)
    return ModelSpec(
        name="fake",
        base_url=fake_server.base_url,
        model="fake-model",
        api_key_env="FAKE_KEY",
        price_in_per_mtok=2.0,
        price_out_per_mtok=10.0,
    )


def make(spec: ModelSpec, tmp_path: Path, **kw: Any) -> tuple[OpenAIChatModel, list[float]]:
    delays: list[float] = []
    kw.setdefault("timeout_s", 5)
    model = OpenAIChatModel(spec, record_dir=tmp_path, sleep=delays.append, **kw)
    return model, delays


def records(tmp_path: Path) -> list[dict[str, Any]]:
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_answer_usage_cost_and_record(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    fake_server.then(body=fake_server.completion("hi there", prompt_tokens=1000))
    model, _ = make(spec, tmp_path)
    response = model.complete(HELLO, max_tokens=20)
    assert response.content == "hi there"
    assert (response.prompt_tokens, response.completion_tokens) == (1000, 5)
    assert response.cost_usd == pytest.approx((1000 * 2.0 + 5 * 10.0) / 1e6)
    sent = fake_server.requests[0]
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"
    assert sent["body"]["model"] == "fake-model"
    assert sent["body"]["max_tokens"] == 20
    [rec] = records(tmp_path)
    assert rec["request"]["messages"] == HELLO
    assert rec["response"]["usage"]["prompt_tokens"] == 1000
    assert rec["cost_usd"] == pytest.approx(response.cost_usd)
    assert rec["retries"] == 0 and rec["error"] is None and rec["latency_s"] >= 0


def test_429_is_retried_after_retry_after(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    fake_server.then(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "7"})
    fake_server.then(body=fake_server.completion("fine"))
    model, delays = make(spec, tmp_path)
    assert model.complete(HELLO).content == "fine"
    assert delays == [7.0]
    assert len(fake_server.requests) == 2  # the client's own retries are off
    [rec] = records(tmp_path)
    assert rec["retries"] == 1
    assert rec["errors"] == ["HTTP 429: slow down"]


def test_5xx_past_the_retry_budget_is_a_model_error(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    fake_server.then(500, {"error": {"message": "boom"}})
    model, delays = make(spec, tmp_path, max_retries=3, backoff_s=1.0)
    with pytest.raises(ModelError, match=r"HTTP 500: boom after 4 attempts") as info:
        model.complete(HELLO)
    assert "\n" not in str(info.value)
    assert len(fake_server.requests) == 4
    assert len(delays) == 3
    assert all(0.5 * 2**i <= d <= 2**i for i, d in enumerate(delays))  # doubling, jittered
    [rec] = records(tmp_path)
    assert rec["response"] is None and "HTTP 500" in rec["error"]
    assert len(rec["errors"]) == 4 and rec["retries"] == 3


def test_401_is_not_retried(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    msg = f"Incorrect API key provided: {KEY}"
    fake_server.then(401, {"error": {"message": msg, "code": "invalid_api_key"}})
    model, delays = make(spec, tmp_path)
    with pytest.raises(ModelError, match="HTTP 401") as info:
        model.complete(HELLO)
    assert KEY not in str(info.value)
    assert len(fake_server.requests) == 1 and delays == []


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_not_retried(
    fake_server: Any, spec: ModelSpec, tmp_path: Path, status: int
) -> None:
    fake_server.then(status, {"error": {"message": "no such model"}})
    model, _ = make(spec, tmp_path)
    with pytest.raises(ModelError, match=f"HTTP {status}: no such model"):
        model.complete(HELLO)
    assert len(fake_server.requests) == 1


def test_timeout_is_retried(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    fake_server.then(delay_s=1.0).then(body=fake_server.completion("late but fine"))
    model, delays = make(spec, tmp_path, timeout_s=0.3)
    assert model.complete(HELLO).content == "late but fine"
    assert len(delays) == 1
    assert records(tmp_path)[0]["errors"] == ["timeout"]


def test_dropped_connection_is_retried(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    fake_server.then(drop=True).then(body=fake_server.completion("reconnected"))
    model, _ = make(spec, tmp_path)
    assert model.complete(HELLO).content == "reconnected"
    assert records(tmp_path)[0]["errors"][0].startswith("connection error")


def test_unreachable_server_fails_after_retries(tmp_path: Path) -> None:
    spec = ModelSpec(name="gone", base_url="http://127.0.0.1:9/v1", model="m")
    model, delays = make(spec, tmp_path, max_retries=2)
    with pytest.raises(ModelError, match=r"connection error.*after 3 attempts"):
        model.complete(HELLO)
    assert len(delays) == 2


def test_native_tool_calls(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    call = {
        "id": "call_abc",
        "type": "function",
        "function": {"name": "read_file", "arguments": '{"path": "setup.py"}'},
    }
    fake_server.then(body=fake_server.completion(None, tool_calls=[call]))
    model, _ = make(spec, tmp_path)
    response = model.complete(HELLO, tools=TOOLS, tool_choice="auto")
    assert response.content == ""
    [tc] = response.tool_calls
    assert (tc.id, tc.name, json.loads(tc.arguments)) == (
        "call_abc",
        "read_file",
        {"path": "setup.py"},
    )
    assert fake_server.requests[0]["body"]["tools"] == TOOLS
    assert records(tmp_path)[0]["tool_calls"][0]["name"] == "read_file"


def test_tool_call_in_text_is_parsed_only_when_tools_offered(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    text = '{"name": "read_file", "arguments": {"path": "a.py"}}'
    fake_server.then(body=fake_server.completion(text))
    model, _ = make(spec, tmp_path)
    assert model.complete(HELLO, tools=TOOLS).tool_calls[0].name == "read_file"
    assert model.complete(HELLO).tool_calls == ()


def test_key_never_written(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    fake_server.then(500, {"error": {"message": f"echo {KEY}"}}).then()
    model, _ = make(spec, tmp_path)
    model.complete([{"role": "user", "content": "x"}])
    text = (tmp_path / "calls.jsonl").read_text()
    assert KEY not in text and "***" in text


def test_missing_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_KEY", raising=False)
    spec = ModelSpec(name="x", base_url="http://127.0.0.1:9/v1", model="m", api_key_env="NOPE_KEY")
    with pytest.raises(ConfigError, match="NOPE_KEY"):
        OpenAIChatModel(spec)


def test_budget_is_charged_and_stops_calls(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    fake_server.then(body=fake_server.completion(prompt_tokens=80, completion_tokens=30))
    budget = Budget(max_tokens=100)
    model, _ = make(spec, tmp_path, budget=budget)
    model.complete(HELLO)
    assert budget.tokens == 110
    with pytest.raises(BudgetExceeded, match="tokens: 110 used of 100"):
        model.complete(HELLO)
    assert len(fake_server.requests) == 1


def test_spec_extra_temperature_headers_params(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    extra = {"temperature": 0.7, "headers": {"X-Team": "eval"}, "params": {"top_k": 5}}
    model, _ = make(spec.model_copy(update={"extra": extra}), tmp_path)
    model.complete(HELLO)
    model.complete(HELLO, temperature=0.1)
    first, second = fake_server.requests
    assert first["body"]["temperature"] == 0.7 and second["body"]["temperature"] == 0.1
    assert first["headers"]["x-team"] == "eval"
    assert first["body"]["top_k"] == 5


def test_a_sampled_request_is_seeded(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    model, _ = make(spec, tmp_path / "plain")
    model.complete(HELLO)  # temperature 0: nothing to seed
    model.complete(HELLO, temperature=0.7)  # sampled, no seed of its own: the default
    seeded = spec.model_copy(update={"extra": {"params": {"seed": 3}}})
    make(seeded, tmp_path / "seeded")[0].complete(HELLO, temperature=0.7)  # its own wins
    model.complete(HELLO, temperature=0.7, draw=2)  # a redraw: the seed moves on by its draw
    make(seeded, tmp_path / "again")[0].complete(HELLO, temperature=0.7, draw=1)
    seeds = [r["body"].get("seed") for r in fake_server.requests]
    assert seeds == [None, DEFAULT_SEED, 3, DEFAULT_SEED + 2, 4]
    assert records(tmp_path / "plain")[1]["request"]["extra_body"] == {"seed": DEFAULT_SEED}


def test_recorded_calls_replay(fake_server: Any, spec: ModelSpec, tmp_path: Path) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    fake_server.then(body=fake_server.completion("one"))
    fake_server.then(body=fake_server.completion(None, tool_calls=[call]))
    fake_server.then(401, {"error": {"message": "bad key"}})
    model, _ = make(spec, tmp_path)
    model.complete(HELLO)
    model.complete(HELLO, tools=TOOLS)
    with pytest.raises(ModelError):
        model.complete(HELLO)
    replay = ReplayChatModel.from_jsonl(tmp_path / "calls.jsonl")
    assert replay.name == "fake"
    assert replay.complete(HELLO).content == "one"
    assert replay.complete(HELLO).tool_calls[0].name == "f"
    with pytest.raises(ModelError, match="HTTP 401: bad key"):
        replay.complete(HELLO)


def test_a_grammar_goes_only_to_an_endpoint_that_takes_one(
    fake_server: Any, spec: ModelSpec, tmp_path: Path
) -> None:
    fake_server.then(body=fake_server.completion("x"))
    assert not spec.takes_grammar  # an API endpoint: OpenAI refuses unknown fields
    plain, _ = make(spec, tmp_path / "plain")
    plain.complete(HELLO, grammar='root ::= "x"')
    llama = spec.model_copy(update={"grammar": True})
    assert llama.takes_grammar
    constrained, _ = make(llama, tmp_path / "llama")
    constrained.complete(HELLO, grammar='root ::= "x"')
    constrained.complete(HELLO)
    bodies = [r["body"] for r in fake_server.requests]
    assert ["grammar" in b for b in bodies] == [False, True, False]
    assert bodies[1]["grammar"] == 'root ::= "x"'
    [rec] = records(tmp_path / "llama")[:1]
    assert rec["request"]["extra_body"] == {"grammar": 'root ::= "x"'}


def test_local_models_take_a_grammar_unless_told_not_to() -> None:
    from proctor.model.catalog import local_spec

    assert local_spec("qwen2.5-coder-0.5b").takes_grammar
    assert not local_spec("qwen2.5-coder-0.5b").model_copy(update={"grammar": False}).takes_grammar
