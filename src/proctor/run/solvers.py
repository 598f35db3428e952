"""From a model name on the command line to something that attempts tasks.

``gold`` and ``empty`` are baselines. Any other name is a chat model (a ``models.yaml`` entry,
``openai:MODEL``, ``URL#MODEL``, ``local:NAME``, or a ``proctor.models`` entry point of an
installed package) wrapped in an agent (``oneshot`` or ``tools``) with a retriever; a local
model's llama.cpp server runs while the context is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from proctor.agent import DEFAULT_EDIT_FORMAT, IsolatedSolver, build_agent
from proctor.errors import ConfigError
from proctor.model import (
    BASELINES,
    Budget,
    ChatModel,
    ChatModelFactory,
    ModelSpec,
    OpenAIChatModel,
    Solver,
    SolverFactory,
    default_user_file,
    load_catalog,
    resolve_chat_model,
    resolve_model,
    serving,
)
from proctor.repo import touched_lines
from proctor.retrieval import Retriever, for_task, get_retriever, render_context
from proctor.run.references import References
from proctor.settings import Settings
from proctor.spec import Task


@dataclass(frozen=True)
class ModelChoice:
    """What the user asked for on the command line."""

    name: str
    """Model name: gold, empty, a models.yaml entry, openai:M, URL#M, local:NAME or the name
    of a ``proctor.models`` entry point."""
    agent: str = "oneshot"
    """How the model edits: ``oneshot`` (edit blocks) or ``tools`` (a tool-using loop)."""
    retriever: str = "hybrid"
    """Context retriever name, or ``none``."""
    max_tokens: int | None = 200_000
    """Per-task token budget (prompt + completion)."""
    max_usd: float | None = 1.0
    """Per-task dollar budget at the catalog's prices."""
    max_seconds: float | None = 1800.0
    """Per-task wall-time budget for the model."""
    threads: int | None = None
    """CPU threads for a local model's server (None: every CPU,
    :func:`proctor.sandbox.cpu_count`)."""
    context_tokens: int = 6000
    """Retrieved context shown to the model, in tokens; capped to fit the model's window."""
    max_retries: int = 4
    """Retries of one call on 429, 5xx, timeouts and dropped connections."""
    backoff_s: float = 1.0
    """First retry delay; doubles with each retry (plus jitter)."""
    temperature: float | None = None
    """Sampling temperature of every request; None: the catalog entry's, else 0."""
    edit_format: str | None = None
    """How one-shot answers write edits; None: the model's default in models.yaml."""


REQUEST_TIMEOUT_S = 120.0
"""Seconds one request to a hosted or served model may take before it is retried."""
LOCAL_REQUEST_TIMEOUT_S = 1800.0
"""The same for an offline model when the task has no time budget."""

PROMPT_OVERHEAD_TOKENS = 1500
"""Room kept for instructions, the problem statement and token-estimate error."""


def context_budget(spec: ModelSpec | ChatModel, wanted: int) -> int:
    """Tokens of retrieved context that fit the model's window next to its answer (a chat
    model from an entry point has no catalog entry: the defaults of one apply)."""
    extra = spec.extra if isinstance(spec, ModelSpec) else {}
    answer = extra.get("max_tokens")
    answer = answer if isinstance(answer, int) else 2048
    room = spec.context_window - answer - PROMPT_OVERHEAD_TOKENS
    cap = extra.get("context_tokens")
    if isinstance(cap, int):  # the spec's own cap, e.g. for slow local models
        room = min(room, cap)
    return max(500, min(wanted, room))


class AgentFactory:
    """A fresh agent per attempt around a chat model that records into the attempt folder.

    The chat model is an endpoint of the catalog (``spec``), or one a package's factory
    makes (its budget and records are then the factory's business).
    """

    converses = True
    """Its agents take feedback rounds (isolated tasks, solved blind, get none)."""

    def __init__(
        self,
        spec: ModelSpec | ChatModelFactory,
        choice: ModelChoice,
        refs: References | None = None,
    ) -> None:
        self.spec = spec
        self.choice = choice
        self.refs = refs
        """Where a task's repository and reference are: a retriever that reads the history up
        to the base commit, or the oracle, gets them per attempt (:func:`for_task`)."""
        self.name = f"{spec.name if isinstance(spec, ModelSpec) else choice.name}+{choice.agent}"
        default = spec.edit_format if isinstance(spec, ModelSpec) else None
        self.edit_format = choice.edit_format or default or DEFAULT_EDIT_FORMAT
        self._agent(None)  # fail early: a missing key or unknown agent is a config error

    def check(self, timeout_s: float = 10.0) -> None:
        """See that the model's endpoint answers (one free request, no retries); a chat
        model from an entry point has no endpoint proctor knows.

        Raises:
            ModelError: it does not, or refuses the key.
        """
        llm = self._llm(None)
        if isinstance(llm, OpenAIChatModel):
            llm.check(timeout_s)

    def for_attempt(self, task: Task, workdir: Path, sample: int = 0) -> Solver:
        """The agent for one attempt, with its own budget and ``workdir/calls.jsonl``; its
        requests are sampled as :meth:`sampling` says for ``sample``.

        An isolated task gets an :class:`~proctor.agent.isolated.IsolatedSolver` instead:
        it sees the function's prompt alone, as on HumanEval, and no retrieved context.
        """
        if task.kind == "isolated":
            temperature = self.sampling(sample)[0] or 0.0
            llm = self._llm(workdir, sample)
            return IsolatedSolver(llm, name=self.name, temperature=temperature)
        return self._agent(workdir, sample, task)

    def sampling(self, sample: int) -> tuple[float | None, int | None]:
        """(temperature, seed) of the requests of ``sample``: the seed is the sample's index,
        sent only above temperature 0 (where it matters); both None for a chat model from an
        entry point, whose requests proctor does not shape."""
        if not isinstance(self.spec, ModelSpec):
            return None, None
        temperature = sampling_temperature(self.spec, self.choice)
        return temperature, (sample if temperature > 0 else None)

    def _llm(self, workdir: Path | None, sample: int = 0) -> ChatModel:
        """The chat model of one attempt, with its own budget."""
        if not isinstance(self.spec, ModelSpec):
            return self.spec()
        budget = Budget(self.choice.max_tokens, self.choice.max_usd, self.choice.max_seconds)
        temperature, seed = self.sampling(sample)
        extra = {**self.spec.extra, "temperature": temperature}
        if seed is not None:
            params = self.spec.extra.get("params")
            extra["params"] = {**(params if isinstance(params, dict) else {}), "seed": seed}
        return OpenAIChatModel(
            self.spec.model_copy(update={"extra": extra}),
            budget=budget,
            record_dir=workdir,
            max_retries=self.choice.max_retries,
            timeout_s=self._request_timeout(),
            backoff_s=self.choice.backoff_s,
        )

    def _request_timeout(self) -> float:
        """Seconds one request may take: 120, except for an offline model, whose request on a
        busy CPU may take the task's whole time budget (a retry would only queue behind the
        request the llama.cpp server is still answering)."""
        if isinstance(self.spec, ModelSpec) and self.spec.local:
            return max(REQUEST_TIMEOUT_S, self.choice.max_seconds or LOCAL_REQUEST_TIMEOUT_S)
        return REQUEST_TIMEOUT_S

    def _retriever(self, task: Task | None) -> Retriever | None:
        """The retriever of one attempt: given the history up to ``task``'s base commit if it
        reads history, the paths of its reference fix (no more) if it is the oracle."""
        if self.choice.retriever == "none":
            return None
        retriever = get_retriever(self.choice.retriever)
        if task is None or self.refs is None:
            return retriever
        source = self.refs.source(task.id)
        return for_task(
            retriever, source.git_dir, task.base_commit, lambda: touched_lines(source.gold_patch)
        )

    def _agent(self, workdir: Path | None, sample: int = 0, task: Task | None = None) -> Solver:
        """The agent for one attempt, with its own budget and ``workdir/calls.jsonl``."""
        llm = self._llm(workdir, sample)
        retriever = self._retriever(task)
        fmt = {"edit_format": self.edit_format} if self.choice.agent == "oneshot" else {}
        return build_agent(
            self.choice.agent,
            llm,
            retriever,
            **fmt,
            name=self.name,
            renderer=render_context,
            budget_tokens=context_budget(
                self.spec if isinstance(self.spec, ModelSpec) else llm, self.choice.context_tokens
            ),
        )


def sampling_temperature(spec: ModelSpec, choice: ModelChoice) -> float:
    """The temperature of ``spec``'s requests: the choice's, else the catalog entry's, else 0."""
    if choice.temperature is not None:
        return choice.temperature
    found = spec.extra.get("temperature", 0.0)
    return float(found) if isinstance(found, (int, float)) else 0.0


def check_sampling(choice: ModelChoice, samples: int) -> None:
    """Refuse ``samples`` above 1 where every sample would be the same answer.

    Raises:
        ConfigError: more than one sample of a baseline, or at temperature 0.
        ConfigError: the model name is unknown (see :func:`resolve_chat_model`).
    """
    if samples < 1:
        raise ConfigError(f"--samples must be 1 or more, not {samples}")
    if samples == 1:
        return
    if choice.name in BASELINES:
        raise ConfigError(f"--samples {samples}: {choice.name} has no sampling (one answer)")
    found = resolve_chat_model(choice.name, load_catalog(*models_files()))
    if isinstance(found, ModelSpec) and sampling_temperature(found, choice) == 0:
        raise ConfigError(
            f"--samples {samples} at temperature 0 repeats one answer: give --temperature above 0"
        )


def model_dates(name: str) -> tuple[dt.date | None, dt.date | None]:
    """(training cutoff, release date) of the model called ``name``, None where unknown (a
    baseline, a model from an entry point, a catalog entry without them)."""
    if name in BASELINES:
        return None, None
    try:
        found = resolve_chat_model(name, load_catalog(*models_files()))
    except ConfigError:
        return None, None
    if not isinstance(found, ModelSpec):
        return None, None
    return found.training_cutoff, found.released


def models_files() -> tuple[Path, Path]:
    """The project's models.yaml (in the working directory) and the user's own."""
    return Path("models.yaml"), default_user_file()


@contextmanager
def open_chat_model(
    name: str, settings: Settings, *, threads: int | None = None, record_dir: Path | None = None
) -> Iterator[ChatModel]:
    """A bare chat model (no agent) by name, its local server running meanwhile.

    Raises:
        ConfigError: unknown model, a missing API key or missing local weights.
        ModelError: a local server did not start.
    """
    found = resolve_chat_model(name, load_catalog(*models_files()))
    if not isinstance(found, ModelSpec):
        yield found()
        return
    with serving(found, threads=threads, settings=settings) as live:
        yield OpenAIChatModel(live, record_dir=record_dir)


@contextmanager
def open_model(
    choice: ModelChoice, refs: References, settings: Settings
) -> Iterator[Solver | SolverFactory]:
    """The model to run, ready for the duration of the context.

    Raises:
        ConfigError: unknown model or agent, a missing API key, missing local weights.
        ModelError: a local server did not start.
    """
    if choice.name in BASELINES:
        yield resolve_model(choice.name, refs.gold)
        return
    found = resolve_chat_model(choice.name, load_catalog(*models_files()))
    if not isinstance(found, ModelSpec):
        yield AgentFactory(found, choice, refs)
        return
    with serving(found, threads=choice.threads, settings=settings) as live:
        yield AgentFactory(live, choice, refs)
