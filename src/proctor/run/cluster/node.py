"""What runs on a node: one attempt from a shipment, its folder sent back as a tar archive.

A node gets the task, the repository as a bundle of the base commit and its ancestors (unpacked
once per node), the fix as text, the hidden tests as a separate object-store reference that
only the grading phase fetches (the model step of :func:`~proctor.run.attempt.run_attempt`
never reads them, so they are not on the node while the model works), and how to make the
model. It builds the task's environment itself, keyed by its content hash, under the
node's cache with the build lock :func:`~proctor.sandbox.build_env` holds.
"""

from __future__ import annotations

import io
import os
import socket
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray

from proctor.model import (
    ChatResponse,
    Message,
    ModelSpec,
    Solver,
    SolverFactory,
    resolve_model,
)
from proctor.repo import open_bundle
from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.references import References, TaskSource
from proctor.run.solvers import AgentFactory, ModelChoice


@dataclass(frozen=True)
class ShippedModel:
    """How a node makes the run's model: a baseline by name, or an endpoint and an agent."""

    name: str
    spec: ModelSpec | None = None
    choice: ModelChoice | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    """The endpoint's API key variable, when it has one."""
    gate: Any = None
    """The endpoint's cluster-wide concurrency gate (a Ray actor handle), or None."""
    solver: Solver | None = None
    """A model that is plain data, shipped as it is (a patch being graded)."""

    def open(self, refs: References) -> Solver | SolverFactory:
        if self.solver is not None:
            return self.solver
        if self.spec is None or self.choice is None:
            return resolve_model(self.name, refs.gold)
        for name, value in self.environ.items():
            os.environ.setdefault(name, value)
        return _GatedFactory(self.spec, self.choice, self.gate)


@dataclass(frozen=True)
class Shipment:
    """One attempt and everything a node needs for it but the repository bundle (which goes
    through the object store, once per base commit)."""

    attempt: AttemptInput
    base_commit: str
    gold_patch: str
    hidden_tests: Any
    """The hidden tests' patch as an object-store reference (``ray.put``), fetched by the
    grading phase only."""
    model: ShippedModel
    options: AttemptOptions


@dataclass(frozen=True)
class Returned:
    """An attempt's result (JSON), its folder (a gzipped tar) and the node that made it."""

    result: str
    folder: bytes
    node: str


class HiddenLater(TaskSource):
    """A task's source whose hidden tests are fetched on first use: by the grading phase."""

    _fetch: Callable[[], str]
    _fetched: str | None

    def __init__(self, git_dir: Path, gold_patch: str, fetch: Callable[[], str]) -> None:
        object.__setattr__(self, "git_dir", git_dir)
        object.__setattr__(self, "gold_patch", gold_patch)
        object.__setattr__(self, "_fetch", fetch)
        object.__setattr__(self, "_fetched", None)

    @property
    def test_patch(self) -> str:
        fetched = self._fetched
        if fetched is None:
            fetched = self._fetch()
            object.__setattr__(self, "_fetched", fetched)
        return fetched


class _Shipped(References):
    """The one task's source, as shipped: nothing is looked up on the node."""

    def __init__(self, task_id: str, source: TaskSource) -> None:
        super().__init__([], Path())
        self._cache[task_id] = source


class _GatedModel:
    """A chat model whose calls wait for a slot of the endpoint's cluster-wide gate."""

    def __init__(self, inner: Any, gate: Any) -> None:
        self._inner = inner
        self._gate = gate
        self.name: str = inner.name
        self.context_window: int = inner.context_window
        self.takes_grammar: bool = bool(getattr(inner, "takes_grammar", False))

    def complete(self, messages: Sequence[Message], **kwargs: Any) -> ChatResponse:
        ray.get(self._gate.acquire.remote())
        try:
            response: ChatResponse = self._inner.complete(messages, **kwargs)
            return response
        finally:
            ray.get(self._gate.release.remote())


class _GatedFactory(AgentFactory):
    def __init__(self, spec: ModelSpec, choice: ModelChoice, gate: Any) -> None:
        self._gate = gate
        super().__init__(spec, choice)

    def _llm(self, workdir: Path | None, sample: int = 0) -> Any:
        llm = super()._llm(workdir, sample)
        return llm if self._gate is None else _GatedModel(llm, self._gate)


def node_name() -> str:
    """This node as the progress counts name it: host and Ray's node id, shortened."""
    return f"{socket.gethostname()}/{ray.get_runtime_context().get_node_id()[:8]}"


def attempt_on_node(ship: Shipment, bundle: bytes) -> Returned:
    """Make one attempt on this node; never raises for a task-level failure."""
    settings = ship.options.settings
    cache = settings.cache_dir.expanduser() / "cluster"
    task = ship.attempt.task
    git_dir = open_bundle(bundle, ship.base_commit, cache / "repos")
    hidden = ship.hidden_tests
    refs = _Shipped(task.id, HiddenLater(git_dir, ship.gold_patch, lambda: ray.get(hidden)))
    ctx = AttemptContext(ship.model.open(refs), refs, ship.options)
    (cache / "attempts").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="attempt-", dir=cache / "attempts") as tmp:
        adir = Path(tmp) / "attempt"
        result = run_attempt(ship.attempt, ctx, adir)
        return Returned(result.model_dump_json(), pack(adir), node_name())


def pack(folder: Path) -> bytes:
    """``folder``'s files as a gzipped tar (symlinks kept as links, not followed)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> None:
    """Unpack :func:`pack`'s archive into ``dest`` (nothing may land outside it)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
