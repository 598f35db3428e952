"""`proctor tasks strength`: would a plausible wrong fix pass each task's hidden tests?"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli.common import (
    DEFAULT_SUITE,
    JOBS_OPT,
    REPOS_OPT,
    SANDBOX_OPT,
    SUITE_OPT,
    chatter,
    check_sandbox,
    console,
    fail,
    settings_from,
)
from proctor.errors import ProctorError
from proctor.repo import MAX_PER_KIND
from proctor.report import WEAK_BELOW
from proctor.run import GradedMutant, TaskStrength, Verdict, measure_strength, preflight
from proctor.spec import Task, iter_suite, load_suite, write_task_field


def strength(
    suite: Path | None = SUITE_OPT,
    jobs: int = JOBS_OPT,
    write: bool = typer.Option(
        False, "--write", help="Record each measured task's strength in its task file."
    ),
    max_per_kind: int = typer.Option(
        MAX_PER_KIND, "--max-per-kind", metavar="N", help="Mutants of each kind per task."
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="Keep the attempts here (default: a temporary folder)."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Grade mutants of each task's reference fix; report the share its hidden tests catch.

    A mutant is the reference's source change with one thing wrong: a hunk left out (when
    it has two or more), a condition negated, a bare return before the first statement it
    added to a function, or a comparison or integer bound off by one on a line it added. Each
    is graded as a model's patch is (grade), after gold. A task whose tests catch less than
    half of its mutants is flagged weak; one whose change has nothing to mutate has no
    mutants and is not weak. A mutant whose grading ends in environment-error, or that does
    not apply, is reported and counted neither way. With --write, each measured task's file
    gets its strength (only that field's lines change); tasks stats then counts it.

    Examples:

    \b
        proctor tasks strength --suite tasks/core -j 4
        proctor tasks strength --suite tasks/core/sqlparse-5ca50a2.yaml --write
        proctor tasks strength --suite tasks/mined --max-per-kind 1 --out runs/strength
    """
    path = suite or DEFAULT_SUITE
    if max_per_kind < 0:
        raise fail(f"--max-per-kind: {max_per_kind} is below 0")
    settings = check_sandbox(settings_from(repos_dir, sandbox))
    try:
        tasks = load_suite(path)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    if not tasks:
        raise fail(f"{path}: no task files (*.yaml) found")
    try:
        preflight(tasks, settings, run_dir=out)
    except ProctorError as exc:
        raise fail(str(exc)) from None

    def on_graded(task: Task, graded: GradedMutant) -> None:
        line = f"{task.id}: {graded.mutant.label}: {graded.verdict.value}"
        chatter.print(escape(line), highlight=False, soft_wrap=True)

    with tempfile.TemporaryDirectory(prefix="proctor-strength-") as tmp:
        where = out or Path(tmp)
        found = measure_strength(
            tasks, settings, where, max_per_kind=max_per_kind, jobs=jobs, on_graded=on_graded
        )
    console.print(strength_table(found))
    for measured in found:
        _details(measured)
    measured_ids = [m.task_id for m in found if m.strength is not None]
    weak = [m.task_id for m in found if _is_weak(m)]
    line = f"{len(measured_ids)} of {len(found)} task(s) measured; {len(weak)} weak"
    console.print(escape(line + (f": {', '.join(weak)}" if weak else "")), highlight=False)
    if write:
        _write(path, found)


def _is_weak(measured: TaskStrength) -> bool:
    share = None if measured.strength is None else measured.strength.share
    return share is not None and share < WEAK_BELOW


def _verdict(measured: TaskStrength) -> str:
    """'weak', 'ok', 'no mutants', or 'not measured' (markup)."""
    value = measured.strength
    if value is None:
        return "[yellow]not measured[/]"
    if value.share is None:
        return "no mutants"
    return "[red]weak[/]" if value.share < WEAK_BELOW else "[green]ok[/]"


def strength_table(found: list[TaskStrength]) -> Table:
    """One row per task: mutants counted, caught, share, not counted, verdict."""
    table = Table("task", "mutants", "caught", "share", "not counted", "verdict")
    for measured in found:
        value = measured.strength
        share = "-" if value is None or value.share is None else f"{value.share:.2f}"
        counts = ("-", "-") if value is None else (str(value.mutants), str(value.caught))
        skipped = str(len(measured.having(Verdict.NOT_COUNTED)))
        table.add_row(escape(measured.task_id), *counts, share, skipped, _verdict(measured))
    return table


def _details(measured: TaskStrength) -> None:
    """Why a task was not measured, which mutants survived, which were not counted."""
    tid = measured.task_id
    lines = [f"{tid}: not measured: {measured.problem}"] if measured.problem else []
    lines += [f"{tid}: survived: {g.mutant.label}" for g in measured.having(Verdict.SURVIVED)]
    for graded in measured.having(Verdict.NOT_COUNTED):
        result = graded.result
        why = f"{result.outcome.value}: {result.message}".rstrip(": ")
        lines.append(f"{tid}: not counted: {graded.mutant.label}: {why}")
    if measured.problem is None and measured.graded and measured.strength is None:
        lines.append(f"{tid}: not measured: no mutant was graded to a verdict")
    for line in lines:
        console.print(escape(line), highlight=False, soft_wrap=True)


def _write(suite: Path, found: list[TaskStrength]) -> None:
    """Record each measured task's strength in its file."""
    files = {r.id: file for file, r in iter_suite(suite) if isinstance(r, Task)}
    written = 0
    for measured in found:
        if measured.strength is None:
            continue
        try:
            write_task_field(files[measured.task_id], "strength", measured.strength)
        except ProctorError as exc:
            raise fail(str(exc)) from None
        written += 1
    console.print(f"strength written to {written} task file(s)")
