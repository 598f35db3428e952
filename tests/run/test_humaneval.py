"""The HumanEval track: scores, model errors recorded, and resuming without redoing work."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from proctor.errors import ConfigError, ModelError
from proctor.model.baselines import CanonicalChatModel, EmptyChatModel
from proctor.model.llm import ChatResponse, Message
from proctor.run.humaneval import SAMPLES_FILE, render_prompt, run_humaneval
from proctor.sandbox.pool import Executor
from proctor.spec.humaneval import HumanEvalProblem

SUBSET = ["HumanEval/0", "HumanEval/2", "HumanEval/4"]


class Scripted:
    """Canonical answers, except where told to fail; counts its calls."""

    name = "scripted"
    context_window = 100_000

    def __init__(
        self, problems: Mapping[str, HumanEvalProblem], fail_on: set[str] = frozenset()
    ) -> None:
        self.canonical = CanonicalChatModel(problems)
        self.problems = problems
        self.fail_on = set(fail_on)
        self.calls = 0
        self.lock = threading.Lock()

    def complete(self, messages: Sequence[Message], **kwargs: Any) -> ChatResponse:
        with self.lock:
            self.calls += 1
        text = str(messages[-1]["content"])
        for task_id in self.fail_on:
            if self.problems[task_id].prompt.strip() in text:
                raise ModelError("rate limited past 5 retries")
        answer = self.canonical.complete(messages, **kwargs)
        return ChatResponse(content=answer.content, prompt_tokens=10, cost_usd=0.01)


def test_prompt_comes_from_the_template(problems: dict[str, HumanEvalProblem]) -> None:
    text = render_prompt(problems["HumanEval/0"])
    assert "```python\nfrom typing import List" in text
    assert "def has_close_elements" in text and "$prompt" not in text


def test_canonical_passes_empty_fails(
    problems: dict[str, HumanEvalProblem], executor: Executor, tmp_path: Path
) -> None:
    good = run_humaneval(
        CanonicalChatModel(problems), subset=SUBSET, out_dir=tmp_path / "c", executor=executor
    )
    assert good.pass_at_k == {"pass@1": 1.0}
    assert [p.task_id for p in good.problems] == SUBSET
    bad = run_humaneval(
        EmptyChatModel(), n=2, subset=2, out_dir=tmp_path / "e", executor=executor, ks=(1, 2)
    )
    assert bad.pass_at_k == {"pass@1": 0.0, "pass@2": 0.0}
    assert all(r.startswith("failed") for p in bad.problems for r in p.results)
    saved = json.loads((tmp_path / "e" / "result.json").read_text())
    assert saved["pass_at_k"] == {"pass@1": 0.0, "pass@2": 0.0}


def test_model_errors_are_failed_samples(
    problems: dict[str, HumanEvalProblem], executor: Executor, tmp_path: Path
) -> None:
    model = Scripted(problems, fail_on={"HumanEval/2"})
    result = run_humaneval(model, subset=SUBSET, out_dir=tmp_path, executor=executor)
    by_id = {p.task_id: p for p in result.problems}
    assert by_id["HumanEval/2"].results == ["model error: rate limited past 5 retries"]
    assert by_id["HumanEval/0"].correct == 1
    assert result.model_errors == 1
    assert result.pass_at_k["pass@1"] == pytest.approx(2 / 3)
    assert result.cost_usd == pytest.approx(0.02)
    # asked again only where the model failed, and only when told to
    model.fail_on.clear()
    run_humaneval(model, subset=SUBSET, out_dir=tmp_path, executor=executor)
    assert model.calls == 3
    again = run_humaneval(
        model, subset=SUBSET, out_dir=tmp_path, executor=executor, retry_errors=True
    )
    assert model.calls == 4
    assert again.pass_at_k["pass@1"] == 1.0 and again.model_errors == 0


def test_resume_skips_finished_samples(
    problems: dict[str, HumanEvalProblem], executor: Executor, tmp_path: Path
) -> None:
    model = Scripted(problems)
    first = run_humaneval(model, n=2, subset=SUBSET, out_dir=tmp_path, executor=executor)
    assert model.calls == 6
    lines = (tmp_path / SAMPLES_FILE).read_text().splitlines()
    assert len(lines) == 6
    # a kill mid-append leaves half a line: it is dropped and that sample asked again
    (tmp_path / SAMPLES_FILE).write_text("\n".join(lines[:5]) + "\n" + lines[5][:30])
    second = run_humaneval(model, n=2, subset=SUBSET, out_dir=tmp_path, executor=executor)
    assert model.calls == 7
    assert second.pass_at_k == first.pass_at_k == {"pass@1": 1.0, "pass@2": 1.0}
    assert len((tmp_path / SAMPLES_FILE).read_text().splitlines()) == 6
    # more samples later: only the new ones are asked for
    third = run_humaneval(model, n=3, subset=SUBSET, out_dir=tmp_path, executor=executor)
    assert model.calls == 10
    assert {p.n for p in third.problems} == {3}


def test_a_folder_belongs_to_one_model_and_temperature(
    problems: dict[str, HumanEvalProblem], executor: Executor, tmp_path: Path
) -> None:
    run_humaneval(EmptyChatModel(), subset=1, out_dir=tmp_path, executor=executor)
    with pytest.raises(ConfigError, match="holds a run of model 'empty'"):
        run_humaneval(CanonicalChatModel(problems), subset=1, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="temperature"):
        run_humaneval(EmptyChatModel(), subset=1, out_dir=tmp_path, temperature=0.8)


def test_bad_arguments(problems: dict[str, HumanEvalProblem], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="n must be"):
        run_humaneval(EmptyChatModel(), n=0, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown HumanEval problem"):
        run_humaneval(EmptyChatModel(), subset=["HumanEval/999"], out_dir=tmp_path)
