"""`proctor run` end to end with a model whose endpoint takes a grammar (as llama.cpp's does):
function-format answers are requested under the format's grammar, and a no-op answer is sent
back once; the fake server ignores the grammar, but every request must carry it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.cli.test_run_cli import invoke, lines
from tests.conftest import CALC_BUGGY
from tests.fake_openai import FakeOpenAI

from proctor.agent.oneshot import RESAMPLE_TEMPERATURE
from proctor.model.openai_model import DEFAULT_SEED
from proctor.spec import dump_task

MEAN = CALC_BUGGY.split("\n\n\n")[2]
COPIED = f"calc.py\n```python\n{MEAN}```\nCONFIDENCE: 0.9\n"
FIXED = (
    "calc.py\n```python\ndef mean(values):\n    return sum(values) / len(values)\n```\n"
    "CONFIDENCE: 0.8\n"
)


@pytest.fixture
def cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "200",
    }


def copies_then_fixes(body: dict[str, Any]) -> str:
    """First the function copied unchanged; told that it changes nothing, the fix."""
    return FIXED if "change nothing" in body["messages"][-1]["content"] else COPIED


def test_run_requests_under_the_grammar_and_retries_a_no_op(  # type: ignore[no-untyped-def]
    calc, tmp_path: Path, cli_env, server: str
) -> None:
    task, _ = calc
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / f"{task.id}.yaml").write_text(dump_task(task))
    config = tmp_path / "config"
    (config / "proctor").mkdir(parents=True)
    (config / "proctor" / "models.yaml").write_text(
        f"models:\n  llama:\n    base_url: {server}\n    model: m\n"
        "    edit_format: function\n    grammar: true\n"
    )
    env = {**cli_env, "XDG_CONFIG_HOME": str(config)}
    FakeOpenAI.responder = copies_then_fixes
    out = tmp_path / "out"
    res = invoke("run", "--suite", str(suite), "--model", "llama", "--out", str(out), env=env)
    assert res.exit_code == 0, res.output

    [result] = lines(out / "results.jsonl")
    assert (result["outcome"], result["edits_first_try"]) == ("resolved", True)
    first, retry = FakeOpenAI.seen
    grammar, planned = first["grammar"], retry["grammar"]
    assert grammar.startswith("root ::= cannot | edits")
    assert planned.startswith("root ::= cannot | plan (cannot | edits)")  # says what changes
    for body in (first, retry):
        assert '"calc.py\\n```python\\n"' in body["grammar"]
        assert '"def mean("' in body["grammar"]
    assert "change nothing" in retry["messages"][-1]["content"]
    assert (first["temperature"], retry["temperature"]) == (0, RESAMPLE_TEMPERATURE)
    assert "seed" not in first and retry["seed"] == DEFAULT_SEED  # sampled, seeded
    attempt = out / task.id  # round 0 of sample 0 keeps the task's own folder
    calls = [json.loads(x) for x in (attempt / "model" / "calls.jsonl").read_text().splitlines()]
    assert [c["request"]["extra_body"]["grammar"] for c in calls] == [grammar, planned]
    talk = json.loads((attempt / "model" / "conversation.json").read_text())
    assert talk["steps"][0]["no_op"] is True and talk["steps"][0]["grammar"] == grammar
    assert talk["steps"][1]["temperature"] == RESAMPLE_TEMPERATURE


def test_an_endpoint_without_grammar_gets_none(  # type: ignore[no-untyped-def]
    calc, tmp_path: Path, cli_env, server: str
) -> None:
    task, _ = calc
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / f"{task.id}.yaml").write_text(dump_task(task))
    FakeOpenAI.responder = lambda body: FIXED
    out = tmp_path / "out"
    model = f"{server}#m"
    res = invoke(
        "run", "--suite", str(suite), "--model", model, "--edit-format", "function",
        "--out", str(out), env=cli_env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [r["outcome"] for r in lines(out / "results.jsonl")] == ["resolved"]
    assert FakeOpenAI.seen and all("grammar" not in body for body in FakeOpenAI.seen)
