"""`proctor validate`: gold must resolve and empty must fail on every task of a suite."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli.common import REPOS_OPT, SANDBOX_OPT, check_sandbox, console, fail, settings_from
from proctor.errors import ProctorError
from proctor.run.preflight import preflight
from proctor.run.validate import TaskCheck, validate_suite
from proctor.spec import load_suite


def validate(
    suite: Path = typer.Argument(..., help="Suite folder or task file."),
    reruns: int = typer.Option(
        1, "--reruns", help="Gold runs per task; differing tests are flaky."
    ),
    jobs: int = typer.Option(1, "-j", "--jobs", help="Tasks in parallel."),
    work_dir: Path | None = typer.Option(None, "--work-dir", help="Keep attempts here."),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Run the gold and empty baselines on every task and report any that misbehaves."""
    settings = check_sandbox(settings_from(repos_dir, sandbox))
    try:
        tasks = load_suite(suite)
        preflight(tasks, settings, run_dir=work_dir)
    except ProctorError as exc:
        raise fail(str(exc)) from None

    def on_check(check: TaskCheck) -> None:
        mark = "[green]ok[/]" if check.ok else f"[red]{escape('; '.join(check.problems))}[/]"
        console.print(f"{check.task_id}: {mark}", highlight=False, soft_wrap=True)

    with tempfile.TemporaryDirectory(prefix="proctor-validate-") as tmp:
        where = work_dir or Path(tmp)
        checks = validate_suite(tasks, settings, where, reruns=reruns, jobs=jobs, on_check=on_check)
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
