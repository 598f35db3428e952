"""`proctor run`: attempt a suite with one model; resumable."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from proctor.cli.common import REPOS_OPT, SANDBOX_OPT, console, fail, settings_from
from proctor.errors import ProctorError
from proctor.model import resolve_model
from proctor.report import results_table, summarize, summary_table
from proctor.run import AttemptContext, AttemptResult, References, run_suite
from proctor.spec import load_suite


def run(
    suite: Path = typer.Option(Path("tasks/core"), "--suite", help="Suite folder or task file."),
    model: str = typer.Option("gold", "--model", help="Model name (gold, empty, ...)."),
    jobs: int = typer.Option(1, "-j", "--jobs", help="Attempts in parallel."),
    run_dir: Path | None = typer.Option(None, "--run-dir", help="Default: runs/MODEL-SUITE."),
    keep_checkouts: bool = typer.Option(False, help="Keep each attempt's checkout."),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Attempt every task of a suite; started again with the same run dir, it resumes."""
    try:
        tasks = load_suite(suite)
        settings = settings_from(repos_dir, sandbox)
        refs = References(tasks, settings.repos_dir)
        chosen = resolve_model(model, refs.gold)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    if not tasks:
        raise fail(f"{suite}: no task files (*.yaml) found")
    out = run_dir or Path("runs") / f"{model.replace(':', '_').replace('/', '_')}-{suite.name}"
    ctx = AttemptContext(chosen, refs, settings, keep_checkout=keep_checkouts)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        bar = progress.add_task(f"{model} on {suite}", total=len(tasks))

        def on_result(result: AttemptResult, earlier: bool) -> None:
            if not earlier:
                progress.console.print(f"{result.task_id}: {result.outcome.value}")
            progress.advance(bar)

        try:
            results = run_suite(tasks, ctx, out, suite=str(suite), jobs=jobs, on_result=on_result)
        except ProctorError as exc:
            raise fail(str(exc)) from None
    console.print(results_table(results))
    console.print(summary_table(summarize(results)))
    console.print(f"results: {out / 'results.jsonl'}")
