"""`proctor grade`: grade a patch from any source with the same rules as a model's."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli.cluster import ENDPOINT_CAP_OPT, RAY_OPT, executor_for, print_nodes
from proctor.cli.common import (
    DEFAULT_SUITE,
    REPOS_OPT,
    RUN_DIR_ALIAS,
    SANDBOX_OPT,
    SUITE_OPT,
    check_sandbox,
    console,
    exit_for_errors,
    fail,
    renamed,
    settings_from,
)
from proctor.errors import ProctorError
from proctor.model import PatchModel
from proctor.report import results_table, summarize, summary_table
from proctor.run import (
    AttemptContext,
    AttemptOptions,
    AttemptResult,
    References,
    patch_sha256,
    preflight,
    read_patch,
    read_predictions,
    run_suite,
)
from proctor.spec import Task, load_suite


def grade(
    suite: Path | None = SUITE_OPT,
    task: str | None = typer.Option(None, "--task", metavar="ID", help="Task id (with --patch)."),
    patch: Path | None = typer.Option(
        None, "--patch", metavar="FILE", help="Unified diff to grade."
    ),
    predictions: Path | None = typer.Option(
        None,
        "--predictions",
        metavar="FILE",
        help="SWE-bench-style predictions (JSONL, or one JSON array).",
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="DIR", help="Run folder (default runs/grade-NAME)."
    ),
    jobs: int = typer.Option(1, "-j", "--jobs", metavar="N", help="Attempts in parallel."),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
    run_dir: Path | None = RUN_DIR_ALIAS,
    ray: str | None = RAY_OPT,
    endpoint_cap: int | None = ENDPOINT_CAP_OPT,
) -> None:
    """Grade one patch (--task ID --patch FILE) or a predictions file for a whole suite.

    Graded again into the same --out, a task whose patch changed is graded anew. Exits 3
    while environment-errors remain.

    Examples:

    \b
        proctor grade --task cachetools-91aa4c6 --patch fix.patch
        proctor grade --suite tasks/swebench --predictions preds.jsonl --out runs/agent -j 4
        proctor grade --suite tasks/swebench --predictions preds.jsonl --ray auto
    """
    out = renamed(out, run_dir, "--out", "--run-dir")
    suite = suite or DEFAULT_SUITE
    if (patch is None) == (predictions is None) or (patch is not None and task is None):
        raise fail("give --task ID --patch FILE, or --predictions FILE")
    try:
        tasks = load_suite(suite)
        if predictions is not None:
            name, patches = read_predictions(predictions)
        else:
            assert patch is not None and task is not None
            name, patches = "patch", {task: read_patch(patch)}
    except ProctorError as exc:
        raise fail(str(exc)) from None
    known = {t.id for t in tasks}
    unknown = sorted(set(patches) - known)
    if unknown:
        raise fail(f"not in {suite}: {', '.join(unknown[:5])}")
    chosen = [t for t in tasks if t.id in patches]
    slug = re.sub(r"[^A-Za-z0-9._+-]+", "_", name)
    folder = out or Path("runs") / f"grade-{slug}"
    settings = settings_from(repos_dir, sandbox)
    check_sandbox(settings)
    ctx = AttemptContext(
        PatchModel(name, patches), References(chosen, settings.repos_dir), AttemptOptions(settings)
    )
    keys = {tid: patch_sha256(text) for tid, text in patches.items()}
    try:
        preflight(chosen, settings, run_dir=folder)
        with executor_for(ray, endpoint_cap) as executor:
            results = run_suite(
                chosen,
                ctx,
                folder,
                suite=str(suite),
                jobs=jobs,
                patch_sha256=keys,
                executor=executor,
            )
    except ProctorError as exc:
        raise fail(str(exc)) from None
    print_nodes(executor)
    if len(results) == 1:
        console.print(findings_table(chosen[0], results[0]))
    console.print(results_table(results, console.width))
    console.print(summary_table(summarize(results), console.width))
    console.print(f"results: {folder / 'results.jsonl'}", highlight=False)
    exit_for_errors(results, "grade again to retry infrastructure failures")


def findings_table(task: Task, result: AttemptResult) -> Table:
    """Every quality finding of one graded patch."""
    table = Table("check", "where", "finding", "norm", title=f"{task.id}: findings")
    report = result.quality
    if report is None:
        return table
    checks = {
        "lint": report.lint,
        "format": report.format,
        "conventions": report.conventions,
        "hygiene": report.hygiene,
        "security": report.security,
    }
    for check, body in checks.items():
        for f in body.findings:
            where = f"{f.path}:{f.line}" if f.line else f.path
            rule = f"[{f.rule}] " if f.rule else ""
            cells = (check, where, f"{rule}{f.message}", f.norm or "")
            table.add_row(*(escape(str(c)) for c in cells))
    return table
