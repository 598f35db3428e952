"""`proctor run`: attempt a suite with one model; resumable."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import typer

from proctor.cli.cluster import (
    ENDPOINT_CAP_OPT,
    RAY_OPT,
    check_shippable,
    executor_for,
    nodes_on_bar,
    print_nodes,
)
from proctor.cli.common import (
    AGENT_OPT,
    DEFAULT_SUITE,
    JOBS_OPT,
    MAX_SECONDS_OPT,
    MAX_TOKENS_OPT,
    MAX_USD_OPT,
    REPOS_OPT,
    RETRIEVER_OPT,
    RUN_DIR_ALIAS,
    SAMPLES_OPT,
    SANDBOX_OPT,
    SUITE_OPT,
    TEMPERATURE_OPT,
    THREADS_OPT,
    check_sandbox,
    console,
    exit_for_errors,
    fail,
    progress_bar,
    renamed,
    run_options,
    settings_from,
    warn_weak_sandbox,
)
from proctor.cli.feedback import (
    CHALLENGE_OPT,
    EDIT_FORMAT_OPT,
    FEEDBACK_ROUNDS_OPT,
    check_rounds,
    report_rounds,
)
from proctor.cli.figures import print_run_figures
from proctor.cli.report import write_run_report
from proctor.cli.select import LIMIT_OPT, PATTERN_OPT, TASK_OPT, select_tasks
from proctor.cli.status import OutcomeCounts, interrupted_line
from proctor.errors import ProctorError
from proctor.report import results_table, summarize, summary_table, write_swebench_reports
from proctor.run import (
    AttemptContext,
    AttemptOptions,
    AttemptResult,
    Executor,
    ModelChoice,
    References,
    check_model,
    check_run_dir,
    check_sampling,
    open_model,
    preflight,
    run_suite,
)
from proctor.spec import Task, load_suite

DEFAULT_MODEL = "local:qwen2.5-coder-0.5b"
"""The built-in default: a real model that runs offline (needs ``proctor[local]``)."""


def run(
    suite: Path | None = SUITE_OPT,
    model: str = typer.Option(
        DEFAULT_MODEL,
        "--model",
        metavar="NAME",
        help="local:NAME (offline), a models.yaml name, openai:M, URL#M, or gold / empty.",
    ),
    agent: str = AGENT_OPT,
    retriever: str = RETRIEVER_OPT,
    max_tokens: int = MAX_TOKENS_OPT,
    max_usd: float = MAX_USD_OPT,
    max_seconds: float = MAX_SECONDS_OPT,
    threads: int | None = THREADS_OPT,
    jobs: int = JOBS_OPT,
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="Run folder (default runs/MODEL-SUITE)."
    ),
    keep_checkouts: bool = typer.Option(False, help="Keep each attempt's checkout."),
    retry_errors: bool = typer.Option(
        False, help="Also attempt again model API failures (costs money) and other errors."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
    run_dir: Path | None = RUN_DIR_ALIAS,
    task_ids: list[str] | None = TASK_OPT,
    pattern: str | None = PATTERN_OPT,
    limit: int | None = LIMIT_OPT,
    samples: int = SAMPLES_OPT,
    temperature: float | None = TEMPERATURE_OPT,
    ray: str | None = RAY_OPT,
    endpoint_cap: int | None = ENDPOINT_CAP_OPT,
    feedback_rounds: int = FEEDBACK_ROUNDS_OPT,
    challenge: bool = CHALLENGE_OPT,
    edit_format: str | None = EDIT_FORMAT_OPT,
) -> None:
    """Attempt every task of a suite; started again with the same --out, it resumes.

    Exits 3 while environment-errors remain in the run (run it again to retry them).

    Examples:

    \b
        proctor run --model gold
        proctor run --suite tasks/core --model openai:gpt-4o-mini --agent tools -j 4
        proctor run --model local:qwen2.5-coder-0.5b --out runs/qwen --retry-errors
        proctor run --model gold --task cachetools-91aa4c6 --task w3lib-54ee9e6
        proctor run --model empty -k 'sqlparse-*' --limit 2
        proctor run --model local:qwen2.5-coder-0.5b --samples 5 --temperature 0.8
        proctor run --model gold --ray auto
    """
    out = renamed(out, run_dir, "--out", "--run-dir")
    suite = suite or DEFAULT_SUITE
    choice = ModelChoice(
        model, agent, retriever, max_tokens, max_usd, max_seconds, threads, temperature=temperature
    )
    choice = replace(choice, edit_format=edit_format)
    folder: Path | None = None
    try:
        check_sampling(choice, samples)
        check_rounds(feedback_rounds, challenge)
        tasks = load_suite(suite)
        if not tasks:
            raise fail(f"{suite}: no task files (*.yaml) found")
        tasks = select_tasks(tasks, task_ids, pattern, limit)
        settings = settings_from(repos_dir, sandbox)
        check_sandbox(settings)
        preflight(tasks, settings)  # before a local model's server takes its time to start
        refs = References(tasks, settings.repos_dir)
        with (
            executor_for(ray, endpoint_cap) as executor,
            open_model(choice, refs, settings) as chosen,
        ):
            ctx = AttemptContext(
                chosen, refs, AttemptOptions(settings, keep_checkout=keep_checkouts)
            )
            slug = re.sub(r"[^A-Za-z0-9._+-]+", "_", ctx.model.name)
            folder = out or Path("runs") / f"{slug}-{suite.name}"
            check_run_dir(folder)
            check_model(chosen)
            check_shippable(executor, chosen)
            options = run_options(choice, settings, jobs=jobs, samples=samples, ray=ray)
            options["feedback rounds"] = (
                f"{feedback_rounds}{' with challenges' if challenge else ''}"
            )
            rounds = (feedback_rounds, challenge)
            results = _run(
                tasks,
                ctx,
                suite,
                folder,
                jobs,
                retry_errors,
                samples,
                model,
                executor,
                options,
                rounds,
            )
    except ProctorError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail(interrupted_line(folder), 130) from None
    exit_for_errors(
        results,
        "run again to retry infrastructure failures; add --retry-errors to retry every one",
    )


def _run(
    tasks: list[Task],
    ctx: AttemptContext,
    suite: Path,
    out: Path,
    jobs: int,
    retry_errors: bool,
    samples: int = 1,
    name: str = "",
    executor: Executor | None = None,
    options: dict[str, object] | None = None,
    rounds: tuple[int, bool] = (0, False),
) -> list[AttemptResult]:
    model = ctx.model.name
    counts = OutcomeCounts()
    with progress_bar() as progress:
        bar = progress.add_task(f"{model} on {suite}", total=len(tasks) * samples)
        nodes_on_bar(executor, progress, bar, f"{model} on {suite}")

        def on_result(result: AttemptResult, earlier: bool) -> None:
            if not earlier:
                progress.console.print(f"{result.task_id}: {result.outcome.value}")
            counts.add(result)
            progress.update(bar, description=f"{model} on {suite} {counts}")
            progress.advance(bar)

        results = run_suite(
            tasks,
            ctx,
            out,
            suite=str(suite),
            jobs=jobs,
            on_result=on_result,
            retry_errors=retry_errors,
            samples=samples,
            executor=executor,
            options=options,
            feedback_rounds=rounds[0],
            challenge=rounds[1],
        )
    console.print(results_table(results, console.width))
    print_nodes(executor)
    console.print(summary_table(summarize(results), console.width))
    print_run_figures(name or model, results, tasks, out)
    report_rounds(out, model, rounds=rounds[0] > 0)
    warn_weak_sandbox(results)
    console.print(f"results: {out / 'results.jsonl'}", highlight=False)
    for path in write_swebench_reports(results, out, model, [t.id for t in tasks]):
        console.print(f"SWE-bench report: {path}", highlight=False, soft_wrap=True)
    write_run_report(out, ctx.settings.repos_dir)
    return results
