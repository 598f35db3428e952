"""README "How to add a model provider": a toy ChatModel from the ``proctor.models`` entry
points attempts a real task through an agent, exactly as a catalog model would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from proctor import model
from proctor.model import ChatResponse
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    Outcome,
    References,
    run_attempt,
)
from proctor.run.preflight import check_model
from proctor.run.solvers import AgentFactory, ModelChoice, open_chat_model, open_model

README = Path(__file__).parents[2] / "README.md"

FIX = """calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE
"""


class ToyCoder:
    """A toy provider: knows one fix, and says so whatever it is asked."""

    name = "toy-coder"
    context_window = 8192

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        return ChatResponse(FIX, prompt_tokens=10, completion_tokens=5)


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint("toy-coder", f"{__name__}:ToyCoder", model.ENTRY_POINT_GROUP)
    monkeypatch.setattr(
        "importlib.metadata.entry_points",
        lambda *, group: [point] if group == point.group else [],
    )


def test_a_toy_provider_attempts_a_task(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    with open_model(ModelChoice("toy-coder", retriever="none"), refs, settings) as chosen:
        assert isinstance(chosen, AgentFactory)
        check_model(chosen)  # no endpoint proctor knows: nothing to check, no error
        result = run_attempt(
            AttemptInput.first(task),
            AttemptContext(chosen, refs, AttemptOptions(settings)),
            tmp_path / "a",
        )
    assert result.outcome is Outcome.RESOLVED, result
    assert result.model == "toy-coder+oneshot"
    with open_chat_model("toy-coder", settings) as chat:
        assert isinstance(chat, ToyCoder)


def test_the_readme_says_how_to_add_a_model_provider() -> None:
    text = README.read_text().split("**How to add a model provider.**", 1)[1]
    section = text.split("\n\n## ", 1)[0].split("**How to add", 1)[0]
    assert "`proctor.model.ChatModel`" in section
    assert f'[project.entry-points."{model.ENTRY_POINT_GROUP}"]' in section
    assert "src/proctor/model/registry.py" in section
    members = {m for m in vars(model.ChatModel) if not m.startswith("_")}
    members |= set(model.ChatModel.__annotations__)
    assert members == {"name", "context_window", "complete"}
    assert all(f"`{m}" in section for m in members)
