"""What the driver ships (no cluster needed): baselines by name, a graded patch cut to its task,
a model served by this machine refused in one line, hidden tests fetched for grading only."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.model import EmptyModel, GoldModel, ModelSpec, PatchModel, Problem, Submission
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    Outcome,
    References,
    run_attempt,
)
from proctor.run.solvers import AgentFactory, ModelChoice
from proctor.settings import Settings
from proctor.spec import Task

ray_executor = pytest.importorskip(
    "proctor.run.cluster.ray_executor", reason="ray is not installed (pip install 'proctor[ray]')"
)


def test_a_model_served_by_this_machine_is_refused() -> None:
    spec = ModelSpec(
        name="local:x", base_url="http://127.0.0.1:9/v1", model="m", local="smollm2-135m"
    )
    factory = AgentFactory(spec, ModelChoice("local:x", retriever="none"))
    with pytest.raises(ConfigError, match=r"--ray: .* served by this machine's llama.cpp"):
        ray_executor.RayExecutor().ship_model(factory)


def test_baselines_go_by_name_and_patches_one_task_at_a_time() -> None:
    executor = ray_executor.RayExecutor()
    assert executor.ship_model(EmptyModel()).name == "empty"
    shipped = executor.ship_model(PatchModel("agent", {"a": "A", "b": "B"}))
    assert isinstance(shipped.solver, PatchModel)
    one = shipped.solver.for_task("a")
    assert one.name == "agent" and one._patches == {"a": "A"}


def test_a_node_fetches_the_hidden_tests_in_the_grading_phase_only(
    calc: tuple[Task, Path], settings: Settings, tmp_path: Path
) -> None:
    node = pytest.importorskip("proctor.run.cluster.node")
    task, _ = calc
    real = References([task], settings.repos_dir).source(task.id)
    fetches: list[int] = []  # model calls made before each fetch of the hidden tests
    solved: list[int] = []  # fetches made before each model call

    def fetch() -> str:
        fetches.append(len(solved))
        return real.test_patch

    refs = node._Shipped(task.id, node.HiddenLater(real.git_dir, real.gold_patch, fetch))
    gold = GoldModel(refs.gold)

    class Watching:
        name = "gold"

        def solve(self, problem: Problem) -> Submission:
            solved.append(len(fetches))
            return gold.solve(problem)

    ctx = AttemptContext(Watching(), refs, AttemptOptions(settings))
    result = run_attempt(AttemptInput.first(task), ctx, tmp_path / "attempt")
    assert result.outcome == Outcome.RESOLVED, result.message
    assert solved == [0]  # the model worked with the hidden tests not yet on the node
    assert fetches == [1]  # fetched once, after the model's step, for grading
