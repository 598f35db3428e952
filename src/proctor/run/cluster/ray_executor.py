"""Attempts as Ray tasks: shipped to the cluster, their results and folders streamed back.

The driver alone writes the run folder: each attempt's folder comes back as an archive and is
unpacked in place before its result is yielded to the run, which records it. A node that dies
mid-attempt makes Ray run the task again elsewhere (``max_retries``); only the copy that
finishes comes back, so an attempt is recorded once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError

from proctor.errors import ConfigError, ProctorError, TaskEnvironmentError
from proctor.model import BASELINES, ModelSpec, PatchModel
from proctor.repo import base_bundle
from proctor.run.cluster.node import Returned, Shipment, ShippedModel, attempt_on_node, unpack
from proctor.run.context import AttemptContext, AttemptInput
from proctor.run.results import AttemptResult, ErrorCause, Outcome
from proctor.run.solvers import AgentFactory

DEFAULT_ENDPOINT_CAP = 8
"""Calls in flight to one model endpoint across the whole cluster, unless told otherwise."""

RETRIES = 4
"""Times Ray runs an attempt again when its worker or node dies."""

PROBE_TIMEOUT_S = 5.0
"""How long to wait for the cluster's address to answer before giving up."""

OnNode = Callable[[str], None]


class EndpointGate:
    """A cluster-wide semaphore for one endpoint (a named Ray actor; calls wait in it)."""

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._in_flight = 0
        self.peak = 0

    async def acquire(self) -> None:
        await self._slots.acquire()
        self._in_flight += 1
        self.peak = max(self.peak, self._in_flight)

    async def release(self) -> None:
        self._in_flight -= 1
        self._slots.release()

    async def high_water(self) -> int:
        """The most calls that were ever in flight at once."""
        return self.peak


_remote_attempt = ray.remote(attempt_on_node)
_Gate = ray.remote(EndpointGate)


class RayExecutor:
    """Runs attempts on a Ray cluster (see :func:`~proctor.run.cluster.open_ray`).

    Each attempt reserves ``cpus`` and ``memory_mb`` (None: the run's sandbox memory cap,
    ``Settings.memory_mb``); a lost attempt is run again up to ``retries`` times.
    """

    def __init__(
        self,
        *,
        cpus: float = 1.0,
        memory_mb: int | None = None,
        endpoint_cap: int = DEFAULT_ENDPOINT_CAP,
        retries: int = RETRIES,
        on_node: OnNode | None = None,
    ) -> None:
        self.cpus = cpus
        self.memory_mb = memory_mb
        self.endpoint_cap = endpoint_cap
        self.retries = retries
        self.on_node = on_node
        self.per_node: Counter[str] = Counter()
        """Attempts finished per node, as they came back."""
        self.gates: dict[str, Any] = {}
        """Endpoint base URL -> its gate actor, made by :meth:`ship_model`."""

    def ship_model(self, model: object) -> ShippedModel:
        """What nodes need to make ``model``; a baseline goes by name, an endpoint with an agent
        by its spec, behind the endpoint's gate.

        Raises:
            ConfigError: the model cannot be made on a node (a ``local:`` model served by this
                process, or a model of a package's factory).
        """
        name = getattr(model, "name", "")
        if isinstance(model, AgentFactory):
            spec = model.spec
            if not isinstance(spec, ModelSpec):
                raise ConfigError(
                    f"--ray: model {name} comes from a package's factory; "
                    "nodes cannot make it (give its endpoint as URL#MODEL)"
                )
            if spec.local is not None:
                raise ConfigError(
                    f"--ray: {name} is served by this machine's llama.cpp; serve "
                    "it where the nodes reach it and give it as URL#MODEL"
                )
            environ: dict[str, str] = {}
            key_env = spec.api_key_env
            if key_env and key_env in os.environ:
                environ[key_env] = os.environ[key_env]
            return ShippedModel(name, spec, model.choice, environ, self._gate(spec.base_url))
        if isinstance(model, PatchModel):
            return ShippedModel(name, solver=model)  # cut down to one patch per attempt
        if name in BASELINES:
            return ShippedModel(name)
        raise ConfigError(f"--ray: model {name} cannot be shipped to the cluster's nodes")

    def _gate(self, base_url: str) -> Any:
        if base_url not in self.gates:
            digest = hashlib.sha256(base_url.encode()).hexdigest()[:16]
            self.gates[base_url] = _Gate.options(
                name=f"proctor-gate-{digest}", get_if_exists=True, max_concurrency=10_000
            ).remote(self.endpoint_cap)
        return self.gates[base_url]

    def map(
        self, todo: Sequence[AttemptInput], ctx: AttemptContext, run_dir: Path
    ) -> Generator[AttemptResult, None, None]:
        model = self.ship_model(ctx.model)
        bundles: dict[tuple[Path, str], Any] = {}
        pending: dict[Any, AttemptInput] = {}
        unshipped: list[AttemptResult] = []
        try:
            for one in todo:
                try:
                    ref = self._submit(one, ctx, model, bundles)
                except ProctorError as exc:  # its repository or reference: as a local attempt
                    (run_dir / one.key.folder).mkdir(parents=True, exist_ok=True)
                    cause = ErrorCause.INFRASTRUCTURE
                    if isinstance(exc, TaskEnvironmentError):
                        cause = ErrorCause.TASK
                    unshipped.append(_unmade(one, ctx.model.name, str(exc), cause))
                    continue
                pending[ref] = one
            yield from unshipped
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    one = pending.pop(ref)
                    yield self._arrive(ref, one, ctx, run_dir)
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def _submit(
        self,
        one: AttemptInput,
        ctx: AttemptContext,
        model: ShippedModel,
        bundles: dict[tuple[Path, str], Any],
    ) -> Any:
        """Ship one attempt; its base's bundle goes to the object store once per run."""
        task = one.task
        source = ctx.references.source(task.id)
        where = (source.git_dir, task.base_commit)
        if where not in bundles:
            name = hashlib.sha256(str(source.git_dir).encode()).hexdigest()[:12]
            folder = ctx.settings.cache_dir.expanduser() / "cluster" / "bundles"
            path = base_bundle(
                source.git_dir, task.base_commit, folder / f"{name}-{task.base_commit}.bundle"
            )
            bundles[where] = ray.put(path.read_bytes())
        if isinstance(model.solver, PatchModel):
            model = replace(model, solver=model.solver.for_task(task.id))
        hidden = ray.put(source.test_patch)  # its own object: fetched by the grading phase only
        ship = Shipment(one, task.base_commit, source.gold_patch, hidden, model, ctx.options)
        memory_mb = self.memory_mb or ctx.settings.memory_mb
        return self._options(memory_mb).remote(ship, bundles[where])

    def _options(self, memory_mb: int) -> Any:
        """One CPU and the sandbox's memory cap per attempt, so Ray packs attempts by both."""
        extra: dict[str, Any] = {"memory": memory_mb * 1024 * 1024}
        return _remote_attempt.options(
            num_cpus=self.cpus, max_retries=self.retries, retry_exceptions=False, **extra
        )

    def _arrive(
        self, ref: Any, one: AttemptInput, ctx: AttemptContext, run_dir: Path
    ) -> AttemptResult:
        adir = run_dir / one.key.folder
        shutil.rmtree(adir, ignore_errors=True)
        try:
            back: Returned = ray.get(ref)
        except RayError as exc:  # lost past every retry: infrastructure, tried again on resume
            adir.mkdir(parents=True, exist_ok=True)
            message = f"ray: attempt lost past {self.retries} retries: {type(exc).__name__}"
            return _unmade(one, ctx.model.name, message, ErrorCause.INFRASTRUCTURE)
        unpack(back.folder, adir)
        self.per_node[back.node] += 1
        if self.on_node:
            self.on_node(back.node)
        return AttemptResult.model_validate_json(back.result)


def _unmade(one: AttemptInput, model: str, message: str, cause: ErrorCause) -> AttemptResult:
    """The environment-error of an attempt that was never made, or was lost on the cluster."""
    now = datetime.now(timezone.utc)
    key = one.key
    return AttemptResult(
        task_id=key.task_id,
        model=model,
        outcome=Outcome.ENVIRONMENT_ERROR,
        resolved=False,
        message=message,
        started_at=now,
        finished_at=now,
        error_cause=cause,
        tries=one.tries,
        patch_sha256=key.patch_sha256,
        sample=key.sample,
        round=key.round,
    )


def connect(address: str | None, *, dashboard: bool = False) -> None:
    """Join the cluster at ``address`` (``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``), or
    start a local Ray instance when None.

    Raises:
        ConfigError: Ray cannot start, or nothing answers at ``address``.
    """
    if ray.is_initialized():
        return
    options: dict[str, Any] = {
        "namespace": "proctor",
        "log_to_driver": False,
        "include_dashboard": dashboard,
        "configure_logging": False,
    }
    if address is not None:
        options.pop("include_dashboard")
        _probe(address)
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = address or "a local instance"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"--ray: cannot reach Ray at {where}: {first}") from None


def _probe(address: str) -> None:
    """Fail at once where nothing listens at the address (Ray itself would retry for minutes).

    ``auto`` is the cluster named by ``RAY_ADDRESS``, or else the one Ray finds on this machine.
    """
    target = os.environ.get("RAY_ADDRESS", "") if address == "auto" else address
    host, _, port = target.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        if address == "auto":
            return  # Ray looks for a cluster started on this machine and says when there is none
        raise ConfigError(f"--ray: {address!r} is not auto, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"--ray: cannot reach Ray at {target}: {reason}") from None


def shutdown() -> None:
    """Leave the cluster (a local instance stops)."""
    if ray.is_initialized():
        ray.shutdown()
