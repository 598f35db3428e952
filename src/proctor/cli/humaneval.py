"""`proctor humaneval`: the isolated-function track on HumanEval; resumable.

The model name is resolved by :func:`builtin_chat_model` (``canonical``, ``empty``) and then,
for any other name, by the resolver given to :func:`make_humaneval`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import typer
from rich.table import Table

from proctor.cli.common import (
    SANDBOX_OPT,
    check_sandbox,
    console,
    fail,
    progress_bar,
    renamed,
    settings_from,
)
from proctor.errors import ConfigError, ProctorError
from proctor.model import CanonicalChatModel, ChatModel, EmptyChatModel
from proctor.run import HumanEvalResult, SampleRecord, run_humaneval
from proctor.sandbox import Executor
from proctor.spec import load_problems

ChatResolver = Callable[[str], AbstractContextManager[ChatModel]]
"""Opens a chat model by name for the duration of a context (a local server runs meanwhile)."""
"""Turns a ``--model`` name into a chat model; raises ConfigError for an unknown name."""

BUILTIN_MODELS = ("canonical", "empty")


def builtin_chat_model(name: str) -> ChatModel:
    """``canonical`` (answers the reference solution) or ``empty`` (answers nothing).

    Raises:
        ConfigError: any other name.
    """
    if name == "canonical":
        return CanonicalChatModel(load_problems())
    if name == "empty":
        return EmptyChatModel()
    raise ConfigError(f"unknown model {name!r} (known: {', '.join(BUILTIN_MODELS)})")


def parse_subset(value: str | None) -> list[str] | int | None:
    """``--subset``: a number K (the first K problems) or comma-separated task ids."""
    if value is None or not value.strip():
        return None
    if value.strip().isdigit():
        return int(value)
    return [part.strip() for part in value.split(",") if part.strip()]


def make_humaneval(resolver: ChatResolver | None = None) -> Callable[..., None]:
    """The ``proctor humaneval`` command, resolving models other than the built-in ones with
    ``resolver``."""

    def resolve(name: str) -> AbstractContextManager[ChatModel]:
        if name in BUILTIN_MODELS or resolver is None:
            return nullcontext(builtin_chat_model(name))
        return resolver(name)

    def humaneval(
        model: str = typer.Option(
            ..., "--model", metavar="NAME", help="canonical, empty, or a model name."
        ),
        n: int = typer.Option(1, "--n", metavar="N", help="Samples per problem."),
        subset: str | None = typer.Option(
            None,
            "--subset",
            metavar="K|IDS",
            help="First K problems, or task ids (comma-separated).",
        ),
        out: Path | None = typer.Option(
            None, "--out", metavar="DIR", help="Run folder (default runs/humaneval/MODEL-nN-tT)."
        ),
        temperature: float | None = typer.Option(
            None, "--temperature", metavar="T", help="Default 0 for --n 1, else 0.8."
        ),
        timeout: float = typer.Option(
            3.0, "--timeout", metavar="SECONDS", help="Seconds per program."
        ),
        jobs: int | None = typer.Option(
            None,
            "-j",
            "--jobs",
            metavar="N",
            help="Programs run in parallel (default: one per CPU).",
        ),
        model_workers: int = typer.Option(
            4, "--model-workers", metavar="N", help="Requests in flight."
        ),
        max_tokens: int | None = typer.Option(
            None, "--max-tokens", metavar="N", help="Completion cap."
        ),
        retry_errors: bool = typer.Option(False, help="Ask again where the model failed."),
        sandbox: str | None = SANDBOX_OPT,
        workers: int | None = typer.Option(None, "--workers", hidden=True),
    ) -> None:
        """Sample HumanEval completions, run them, report pass@k; resumes in the same --out.

        Examples:

        \b
            proctor humaneval --model canonical --subset 10
            proctor humaneval --model openai:gpt-4o-mini --n 5 -j 8 --out runs/he-mini
        """
        jobs = renamed(jobs, workers, "--jobs", "--workers")
        temp = temperature if temperature is not None else (0.0 if n == 1 else 0.8)
        safe = model.replace("/", "_").replace(":", "_")
        folder = out or Path("runs") / "humaneval" / f"{safe}-n{n}-t{temp:g}"
        settings = check_sandbox(settings_from(sandbox=sandbox))
        try:
            chosen = parse_subset(subset)
            with (
                resolve(model) as chat,
                Executor(jobs, backend=settings.sandbox) as executor,
                _Progress(model) as on_sample,
            ):
                result = run_humaneval(
                    chat,
                    n=n,
                    subset=chosen,
                    temperature=temp,
                    out_dir=folder,
                    executor=executor,
                    timeout_s=timeout,
                    max_tokens=max_tokens,
                    model_workers=model_workers,
                    retry_errors=retry_errors,
                    on_sample=on_sample,
                )
        except ProctorError as exc:
            raise fail(str(exc)) from None
        console.print(result_table(result))
        console.print(f"results: {folder / 'result.json'}")

    return humaneval


humaneval = make_humaneval()
"""The command with the built-in models only."""


class _Progress:
    """A progress line per finished sample (count only: the total is known to the track)."""

    def __init__(self, model: str) -> None:
        self.bar = progress_bar()
        self.model = model

    def __enter__(self) -> Callable[[SampleRecord], None]:
        self.bar.__enter__()
        task = self.bar.add_task(f"{self.model} on HumanEval", total=None)

        def on_sample(sample: SampleRecord) -> None:
            self.bar.advance(task)

        return on_sample

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)


def result_table(result: HumanEvalResult) -> Table:
    """pass@k, problems, samples and model errors of one run."""
    table = Table("model", "problems", "samples", *result.pass_at_k, "model errors")
    samples = sum(p.n for p in result.problems)
    scores = [f"{v:.3f}" for v in result.pass_at_k.values()]
    table.add_row(
        result.model, str(len(result.problems)), str(samples), *scores, str(result.model_errors)
    )
    return table
