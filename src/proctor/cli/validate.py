"""`proctor validate`: gold must resolve and empty must fail on every task of a suite."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli.cluster import RAY_OPT, executor_for
from proctor.cli.common import (
    REPOS_OPT,
    SANDBOX_OPT,
    SUITE_OPT,
    chatter,
    check_sandbox,
    console,
    fail,
    renamed,
    settings_from,
    suite_from,
)
from proctor.errors import ProctorError
from proctor.run import TaskCheck, preflight, validate_suite
from proctor.spec import load_suite


def validate(
    ctx: typer.Context,
    suite: Path | None = SUITE_OPT,
    reruns: int = typer.Option(
        1, "--reruns", metavar="N", help="Gold runs per task; differing tests are flaky."
    ),
    jobs: int = typer.Option(1, "-j", "--jobs", metavar="N", help="Tasks in parallel."),
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="Keep the attempts here (default: a temporary folder)."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
    work_dir: Path | None = typer.Option(None, "--work-dir", hidden=True),
    ray: str | None = RAY_OPT,
) -> None:
    """Run the gold and empty baselines on every task and report any that misbehaves.

    Examples:

    \b
        proctor validate --suite tasks/core
        proctor validate --suite tasks/mined --reruns 3 -j 2 --out runs/validate
        proctor validate --suite tasks/mined --ray auto
    """
    path = suite_from(suite, ctx)
    out = renamed(out, work_dir, "--out", "--work-dir")
    settings = check_sandbox(settings_from(repos_dir, sandbox))
    try:
        tasks = load_suite(path)
        preflight(tasks, settings, run_dir=out)
    except ProctorError as exc:
        raise fail(str(exc)) from None

    def on_check(check: TaskCheck) -> None:
        mark = "[green]ok[/]" if check.ok else f"[red]{escape('; '.join(check.problems))}[/]"
        shown = chatter if check.ok else console  # a problem is shown even with -q
        shown.print(f"{check.task_id}: {mark}", highlight=False, soft_wrap=True)

    with tempfile.TemporaryDirectory(prefix="proctor-validate-") as tmp:
        where = out or Path(tmp)
        try:
            with executor_for(ray) as executor:
                checks = validate_suite(
                    tasks,
                    settings,
                    where,
                    reruns=reruns,
                    jobs=jobs,
                    on_check=on_check,
                    executor=executor,
                )
        except ProctorError as exc:
            raise fail(str(exc)) from None
    table = Table("task", "gold", "empty F2P passed", "flaky", "verdict")
    for c in checks:
        empty_f2p = f"{c.empty.f2p_passed}/{c.empty.f2p_total}"
        golds = ",".join(g.outcome.value for g in c.gold)
        verdict = "[green]ok[/]" if c.ok else "[red]problem[/]"
        table.add_row(c.task_id, golds, empty_f2p, str(len(c.flaky)), verdict)
    console.print(table)
    bad = [c for c in checks if not c.ok]
    if bad:
        raise fail(f"{len(bad)} of {len(checks)} task(s) failed validation")
    console.print(f"all {len(checks)} task(s) valid: gold resolves, empty fails")
