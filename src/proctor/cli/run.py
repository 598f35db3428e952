"""`proctor run`: attempt a suite with one model; resumable."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from proctor.cli.common import REPOS_OPT, SANDBOX_OPT, console, fail, settings_from
from proctor.errors import ProctorError
from proctor.report import results_table, summarize, summary_table
from proctor.run import AttemptContext, AttemptResult, References, run_suite
from proctor.run.models import ModelChoice, open_model
from proctor.spec import Task, load_suite

DEFAULT_MODEL = "local:qwen2.5-coder-0.5b"
"""The built-in default: a real model that runs offline (needs ``proctor[local]``)."""


def run(
    suite: Path = typer.Option(Path("tasks/core"), "--suite", help="Suite folder or task file."),
    model: str = typer.Option(
        DEFAULT_MODEL,
        "--model",
        help="local:NAME (offline), a models.yaml name, openai:M, URL#M, or gold / empty.",
    ),
    agent: str = typer.Option("oneshot", "--agent", help="oneshot (edit blocks) or tools."),
    retriever: str = typer.Option("hybrid", "--retriever", help="hybrid, bm25, bm25-files, none."),
    max_tokens: int = typer.Option(200_000, help="Per-task token budget."),
    max_usd: float = typer.Option(1.0, help="Per-task dollar budget."),
    max_seconds: float = typer.Option(1800.0, help="Per-task wall-time budget for the model."),
    threads: int = typer.Option(1, help="CPU threads for a local model's server."),
    jobs: int = typer.Option(1, "-j", "--jobs", help="Attempts in parallel."),
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Default: runs/MODEL-SUITE."),
    keep_checkouts: bool = typer.Option(False, help="Keep each attempt's checkout."),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Attempt every task of a suite; started again with the same run dir, it resumes."""
    choice = ModelChoice(model, agent, retriever, max_tokens, max_usd, max_seconds, threads)
    try:
        tasks = load_suite(suite)
        settings = settings_from(repos_dir, sandbox)
        refs = References(tasks, settings.repos_dir)
        with open_model(choice, refs, settings) as chosen:
            _run(
                tasks,
                AttemptContext(chosen, refs, settings, keep_checkout=keep_checkouts),
                suite,
                run_dir,
                jobs,
            )
    except ProctorError as exc:
        raise fail(str(exc)) from None


def _run(
    tasks: list[Task], ctx: AttemptContext, suite: Path, run_dir: Path | None, jobs: int
) -> None:
    if not tasks:
        raise fail(f"{suite}: no task files (*.yaml) found")
    slug = re.sub(r"[^A-Za-z0-9._+-]+", "_", ctx.model.name)
    out = run_dir or Path("runs") / f"{slug}-{suite.name}"
    model = ctx.model.name
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        bar = progress.add_task(f"{model} on {suite}", total=len(tasks))

        def on_result(result: AttemptResult, earlier: bool) -> None:
            if not earlier:
                progress.console.print(f"{result.task_id}: {result.outcome.value}")
            progress.advance(bar)

        results = run_suite(tasks, ctx, out, suite=str(suite), jobs=jobs, on_result=on_result)
    console.print(results_table(results))
    console.print(summary_table(summarize(results)))
    console.print(f"results: {out / 'results.jsonl'}")
