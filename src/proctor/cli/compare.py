"""`proctor compare`: HumanEval vs isolated pairs vs repo-level pairs vs real issues.

For each ``--model`` it runs (or resumes) the HumanEval track, the same-function pairs suite
and the real-issues suite (each a ``--suite``: the one holding tasks of kind ``isolated`` is
the pairs suite), each in its own folder under ``--out/MODEL/``, records which is
which in ``runs.json``, then writes ``comparison.json`` and ``comparison.svg`` (and a PNG
when matplotlib is installed) to ``--out``. ``--from-runs`` builds the comparison from such
folders without running anything.

``gold`` and ``empty`` work as models: on HumanEval they are the ``canonical`` and ``empty``
chat models, on the suites the baselines of the same names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import typer
from rich.markup import escape

from proctor.cli.cluster import ENDPOINT_CAP_OPT, RAY_OPT, executor_for
from proctor.cli.common import (
    AGENT_OPT,
    JOBS_OPT,
    MAX_SECONDS_OPT,
    MAX_TOKENS_OPT,
    MAX_USD_OPT,
    REPOS_OPT,
    RETRIEVER_OPT,
    SAMPLES_OPT,
    SANDBOX_OPT,
    TEMPERATURE_OPT,
    THREADS_OPT,
    chatter,
    check_sandbox,
    console,
    fail,
    note,
    run_options,
    settings_from,
)
from proctor.cli.feedback import (
    CHALLENGE_OPT,
    EDIT_FORMAT_OPT,
    FEEDBACK_ROUNDS_OPT,
    check_rounds,
)
from proctor.cli.figures import print_comparison_figures
from proctor.cli.humaneval import builtin_chat_model
from proctor.cli.report import write_run_report
from proctor.cli.select import PATTERN_OPT, TASK_OPT, select_in_suites
from proctor.errors import ConfigError, ProctorError
from proctor.model import ChatModel
from proctor.report import (
    COMPARISON_FILE,
    ModelRuns,
    build_comparison,
    comparison_table,
    read_manifests,
    save_comparison,
    with_figures,
    write_manifest,
    write_plot,
)
from proctor.run import (
    AttemptContext,
    AttemptOptions,
    AttemptResult,
    ModelChoice,
    References,
    check_model,
    check_sampling,
    model_dates,
    open_chat_model,
    open_model,
    preflight,
    run_humaneval,
    run_suite,
)
from proctor.run import Executor as RunExecutor
from proctor.sandbox import Executor
from proctor.settings import Settings
from proctor.spec import Task, load_suite

PLOT_FILE = "comparison.svg"
_HUMANEVAL_BUILTIN = {"gold": "canonical", "empty": "empty"}


@dataclass(frozen=True)
class _Plan:
    """What to run for every model."""

    suites: tuple[Path, ...]
    subset: int | None
    """HumanEval problems (the first K; None for all; 0 skips HumanEval)."""
    jobs: int
    out: Path
    samples: int = 1
    """Independent attempts per task of every suite."""
    feedback_rounds: int = 0
    challenge: bool = False
    ids: tuple[str, ...] = ()
    """Only these tasks (``--task``); with ``pattern`` and ``limit`` (in each suite), as
    :func:`~proctor.cli.select.select_in_suites` chooses."""
    pattern: str | None = None
    limit: int | None = None


def compare(
    model: list[str] | None = typer.Option(
        None,
        "--model",
        metavar="NAME",
        help="Model to compare (repeat): gold, empty, or any model name.",
    ),
    suite: list[Path] | None = typer.Option(
        None,
        "--suite",
        metavar="PATH",
        help="A same-function pairs suite (tasks of kind isolated) and/or a real-issues "
        "suite, e.g. tasks/core (repeat).",
    ),
    humaneval_subset: int | None = typer.Option(
        None,
        "--humaneval-subset",
        metavar="K",
        help="First K HumanEval problems (0 skips; default all).",
    ),
    agent: str = AGENT_OPT,
    retriever: str = RETRIEVER_OPT,
    max_tokens: int = MAX_TOKENS_OPT,
    max_usd: float = MAX_USD_OPT,
    max_seconds: float = MAX_SECONDS_OPT,
    threads: int | None = THREADS_OPT,
    jobs: int = JOBS_OPT,
    out: Path = typer.Option(Path("runs/compare"), "--out", metavar="DIR", help="Compare folder."),
    from_runs: list[Path] | None = typer.Option(
        None,
        "--from-runs",
        metavar="DIR",
        help="Compare existing folders (repeat); runs nothing.",
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
    pairs: Path | None = typer.Option(None, "--pairs", hidden=True),
    issues: Path | None = typer.Option(None, "--issues", hidden=True),
    samples: int = SAMPLES_OPT,
    temperature: float | None = TEMPERATURE_OPT,
    same_window: bool = typer.Option(
        False,
        "--same-window",
        help="Also score real issues created after every compared model's training cutoff.",
    ),
    ray: str | None = RAY_OPT,
    endpoint_cap: int | None = ENDPOINT_CAP_OPT,
    feedback_rounds: int = FEEDBACK_ROUNDS_OPT,
    challenge: bool = CHALLENGE_OPT,
    edit_format: str | None = EDIT_FORMAT_OPT,
    task_ids: list[str] | None = TASK_OPT,
    pattern: str | None = PATTERN_OPT,
    limit: int | None = typer.Option(
        None, "--limit", metavar="N", min=1, help="At most the first N tasks of each suite."
    ),
) -> None:
    """Run every part for each model (resumable), then compare with 95% intervals.

    Examples:

    \b
        proctor compare --model gold --model empty --suite tasks/pairs \\
            --suite tasks/core --humaneval-subset 10 --out runs/compare
        proctor compare --from-runs runs/compare --same-window
    """
    suites = [*(suite or []), *_old_suites(pairs=pairs, issues=issues)]
    try:
        if from_runs:
            if model:
                raise ConfigError("give --model or --from-runs, not both")
            runs = read_manifests(from_runs)
        else:
            if not model:
                raise ConfigError("name at least one --model (or give --from-runs)")
            check_rounds(feedback_rounds, challenge)
            plan = _plan(suites, humaneval_subset, jobs, out, samples)
            plan = replace(
                plan,
                feedback_rounds=feedback_rounds,
                challenge=challenge,
                ids=tuple(task_ids or ()),
                pattern=pattern,
                limit=limit,
            )
            choices = [
                ModelChoice(
                    m,
                    agent,
                    retriever,
                    max_tokens,
                    max_usd,
                    max_seconds,
                    threads,
                    temperature=temperature,
                    edit_format=edit_format,
                )
                for m in model
            ]
            for choice in choices:
                check_sampling(choice, samples)
            settings = check_sandbox(settings_from(repos_dir, sandbox))
            with executor_for(ray, endpoint_cap) as on_ray:  # the suites' attempts, not HumanEval
                runs = _run_all(choices, plan, settings, on_ray)
        _report(runs, out, same_window)
    except ProctorError as exc:
        raise fail(str(exc)) from None


def _old_suites(**given: Path | None) -> list[Path]:
    """The suites given as --pairs or --issues, the old spellings of --suite."""
    for flag, path in given.items():
        if path is not None:
            note(f"--{flag} is now --suite")
    return [path for path in given.values() if path is not None]


def _plan(
    suites: Sequence[Path], subset: int | None, jobs: int, out: Path, samples: int = 1
) -> _Plan:
    if subset is not None and subset < 0:
        raise ConfigError(f"--humaneval-subset must be 0 or more, not {subset}")
    if not suites and subset == 0:
        raise ConfigError("nothing to compare: give --suite, or run HumanEval")
    names = [path.name for path in suites]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"two suites are named {name!r} (each runs into MODEL/{name})")
    return _Plan(tuple(suites), subset, jobs, out, samples)


def _roles(suites: dict[Path, list[Task]]) -> tuple[Path | None, Path | None]:
    """The pairs suite (it holds tasks of kind isolated) and the real-issues suite.

    Raises:
        ConfigError: two of one kind.
    """
    pairs = [p for p, tasks in suites.items() if any(t.kind == "isolated" for t in tasks)]
    issues = [p for p in suites if p not in pairs]
    kinds = ((pairs, "same-function pairs suites"), (issues, "real-issues suites"))
    for found, what in kinds:
        if len(found) > 1:
            raise ConfigError(f"{found[0]} and {found[1]} are both {what}: give one of each")
    return (pairs[0] if pairs else None), (issues[0] if issues else None)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("_") or "model"


def _run_all(
    choices: Sequence[ModelChoice],
    plan: _Plan,
    settings: Settings,
    on_ray: RunExecutor | None = None,
) -> list[ModelRuns]:
    """Run every part for every model; the folders of each."""
    suites = {p: load_suite(p) for p in plan.suites}
    for path, tasks in suites.items():
        if not tasks:
            raise ConfigError(f"{path}: no task files (*.yaml) found")
    suites = select_in_suites(suites, plan.ids, plan.pattern, plan.limit)
    for path in plan.suites:
        if path not in suites:
            note(f"{path}: no task chosen, left out")
    pairs, issues = _roles(suites)
    every = [t for tasks in suites.values() for t in tasks]
    preflight(every, settings, run_dir=plan.out)
    refs = References(every, settings.repos_dir)
    with ExitStack() as stack:
        executor = None
        if plan.subset != 0:
            executor = stack.enter_context(Executor(backend=settings.sandbox))
        runs = []
        for choice in choices:
            model_dir = plan.out / _slug(choice.name)
            humaneval = None
            if executor is not None:
                humaneval = _humaneval(choice, plan, settings, executor, model_dir)
            # Recorded before the suites run, so that a compare stopped half-way can be
            # compared (--from-runs) on what finished, as a run folder can be reported.
            planned = [None if p is None else model_dir / p.name for p in (pairs, issues)]
            ahead = ModelRuns(choice.name, humaneval, *planned)
            write_manifest(model_dir, ahead)
            done = _suites(choice, suites, refs, settings, plan, model_dir, on_ray)
            found = ModelRuns(choice.name, humaneval, done.get(pairs), done.get(issues))
            write_manifest(model_dir, found)
            runs.append(found)
    return runs


def _chat(name: str, settings: Settings, threads: int | None) -> AbstractContextManager[ChatModel]:
    if name in _HUMANEVAL_BUILTIN:
        return nullcontext(builtin_chat_model(_HUMANEVAL_BUILTIN[name]))
    return open_chat_model(name, settings, threads=threads)


def _humaneval(
    choice: ModelChoice, plan: _Plan, settings: Settings, executor: Executor, model_dir: Path
) -> Path:
    folder = model_dir / f"humaneval-{plan.subset or 'all'}"
    chatter.print(f"{choice.name}: HumanEval ({plan.subset or 'all'} problems)", highlight=False)
    with _chat(choice.name, settings, choice.threads) as chat:
        result = run_humaneval(chat, subset=plan.subset, out_dir=folder, executor=executor)
    chatter.print(f"{choice.name}: HumanEval pass@1 {result.pass_at_k.get('pass@1', 0):.3f}")
    return folder


def _suites(
    choice: ModelChoice,
    suites: dict[Path, list[Task]],
    refs: References,
    settings: Settings,
    plan: _Plan,
    model_dir: Path,
    on_ray: RunExecutor | None = None,
) -> dict[Path | None, Path]:
    """Run each suite into ``model_dir/<suite name>``; suite -> run folder."""
    if not suites:
        return {}
    folders: dict[Path | None, Path] = {}
    with open_model(choice, refs, settings) as chosen:
        check_model(chosen)
        ctx = AttemptContext(chosen, refs, AttemptOptions(settings))
        for path, tasks in suites.items():
            folder = model_dir / path.name

            def on_result(result: AttemptResult, earlier: bool, suite: str = path.name) -> None:
                if not earlier:
                    line = f"{choice.name} {suite} {result.task_id}: {result.outcome.value}"
                    chatter.print(escape(line), highlight=False, soft_wrap=True)

            chatter.print(f"{choice.name}: {path} ({len(tasks)} tasks)", highlight=False)
            run_suite(
                tasks,
                ctx,
                folder,
                suite=str(path),
                jobs=plan.jobs,
                samples=plan.samples,
                on_result=on_result,
                executor=on_ray,
                options=run_options(
                    choice,
                    settings,
                    jobs=plan.jobs,
                    samples=plan.samples,
                    ray=None if on_ray is None else "on",
                ),
                feedback_rounds=plan.feedback_rounds,
                challenge=plan.challenge,
            )
            folders[path] = folder
    return folders


def _report(runs: Sequence[ModelRuns], out: Path, same_window: bool = False) -> None:
    dates = {r.model: model_dates(r.model) for r in runs}
    comparison = with_figures(build_comparison(runs), runs, dates, window=same_window)
    json_path = out / COMPARISON_FILE
    save_comparison(comparison, json_path)
    plots = write_plot(comparison, out / PLOT_FILE)
    console.print(comparison_table(comparison))
    print_comparison_figures(comparison)
    console.print(f"comparison: {json_path}", highlight=False)
    for plot in plots:
        console.print(f"plot: {plot}", highlight=False)
    write_run_report(out)
