"""What the driver ships for a model (no cluster needed): baselines by name, a graded patch cut
to its task, and a model served by this machine refused in one line."""

from __future__ import annotations

import pytest

from proctor.errors import ConfigError
from proctor.model import EmptyModel, ModelSpec, PatchModel
from proctor.run.solvers import AgentFactory, ModelChoice

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
