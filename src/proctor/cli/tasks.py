"""`proctor tasks ...`: validate task files, count a suite, measure its strength, print the
schema, import SWE-bench."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli import strength
from proctor.cli.common import (
    LEGACY_SUITE,
    PACKAGE_OPT,
    PYTHON_OPT,
    PYTHONPATH_OPT,
    REPOS_OPT,
    SANDBOX_OPT,
    SUITE_OPT,
    Command,
    chatter,
    check_host_sandbox,
    console,
    err_console,
    fail,
    given_environment,
    settings_from,
    suite_from,
)
from proctor.errors import ProctorError, SpecError
from proctor.mine import environments_for
from proctor.repo import (
    ensure_source,
    patch_difficulty,
    reference_patches,
    repo_location,
    task_leaks,
)
from proctor.report import suite_stats, suite_stats_table
from proctor.settings import Settings
from proctor.spec import (
    RepoConfig,
    Task,
    convert_instance,
    dump_task,
    iter_suite,
    load_repo_config,
    load_suite,
    read_instances,
)

app = typer.Typer(help="Work with task specs.", no_args_is_help=True)


@app.command("validate", context_settings=LEGACY_SUITE)
def validate(
    ctx: typer.Context,
    suite: Path | None = SUITE_OPT,
    leak_check: bool = typer.Option(
        True,
        "--leak-check/--no-leak-check",
        help="Check that no statement names what its fix introduces (needs the mirrors).",
    ),
    repos_dir: Path | None = REPOS_OPT,
) -> None:
    """Check every task file; print a table; exit non-zero if any is malformed or leaks.

    The leak check reads each task's repository where it is already on this machine (a
    mirror in the cache, or a local path; nothing is cloned) and names the identifiers and
    literals that the fix introduces and the statement mentions, except those the task lists
    in statement_may_name. A task whose repository is absent is skipped with one line.

    Examples:

    \b
        proctor tasks validate --suite tasks/core
        proctor tasks validate --suite tasks/core/sqlparse-5ca50a2.yaml
        proctor tasks validate --suite tasks/core --no-leak-check
    """
    path = suite_from(suite, ctx)
    table = Table("file", "task", "repo", "F2P", "P2P", "status")
    bad: list[SpecError] = []
    seen: dict[str, Path] = {}
    tasks: list[Task] = []
    try:
        entries = list(iter_suite(path))
    except SpecError as err:
        raise fail(str(err)) from None
    for file, result in entries:
        if isinstance(result, Task) and result.id in seen:
            result = SpecError(str(file), "id", f"{result.id!r} is also used by {seen[result.id]}")
        if isinstance(result, SpecError):
            bad.append(result)
            table.add_row(str(file), "", "", "", "", "[red]invalid[/]")
            continue
        seen[result.id] = file
        tasks.append(result)
        ht = result.hidden_tests
        repo = result.repo.removeprefix("https://github.com/")
        row = (str(file), result.id, repo, str(len(ht.fail_to_pass)), str(len(ht.pass_to_pass)))
        table.add_row(*row, "[green]ok[/]")
    console.print(table)
    for error in bad:
        console.print(f"[red]{escape(str(error))}[/]", highlight=False, soft_wrap=True)
    if not entries:
        raise fail(f"{path}: no task files (*.yaml) found")
    if bad:
        raise typer.Exit(1)
    console.print(f"{len(entries)} task file(s) valid")
    if leak_check and _leaking(tasks, settings_from(repos_dir).repos_dir):
        raise typer.Exit(1)


def _leaking(tasks: list[Task], repos_dir: Path) -> int:
    """Run the leak check on each task whose repository is here; how many statements leak."""
    leaking = 0
    for task in tasks:
        try:
            if not repo_location(task.repo, repos_dir).exists():
                console.print(f"{escape(task.id)}: leak check skipped: no mirror", highlight=False)
                continue
            leaks = task_leaks(ensure_source(task.repo, repos_dir), task)
        except ProctorError as exc:
            line = f"{task.id}: leak check skipped: {exc}"
            console.print(escape(line), highlight=False, soft_wrap=True)
            continue
        if leaks:
            leaking += 1
            line = f"{task.id}: statement names what the fix introduces: {', '.join(leaks)}"
            console.print(f"[red]{escape(line)}[/]", highlight=False, soft_wrap=True)
    if leaking:
        console.print(f"{leaking} statement(s) leak the fix (allow a name: statement_may_name)")
    return leaking


@app.command("stats", context_settings=LEGACY_SUITE)
def stats(
    ctx: typer.Context,
    suite: Path | None = SUITE_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    measure: bool = typer.Option(
        False,
        "--measure",
        help="Measure each task without a difficulty from its reference change where its "
        "repository is on this machine (for these counts only; no file is rewritten).",
    ),
    repos_dir: Path | None = REPOS_OPT,
) -> None:
    """Count a suite's tasks by repository, category, date band, size and strength.

    Size is the task's difficulty: the non-test Python source files, hunks and lines its
    reference changes; a task without one counts as unknown unless --measure finds its
    repository (a mirror in the cache, or a local path; nothing is cloned). Strength is the
    share of mutants of the reference its hidden tests catch, as tasks strength --write
    recorded it: the mean over the measured tasks, those with no mutants counted apart, and
    the weak ones (under half caught) named.

    Examples:

    \b
        proctor tasks stats --suite tasks/core
        proctor tasks stats --suite tasks/core --measure
        proctor tasks stats --suite tasks/core --json > stats.json
    """
    path = suite_from(suite, ctx)
    try:
        tasks = load_suite(path, locked=False)
    except SpecError as err:
        raise fail(str(err)) from None
    if not tasks:
        raise fail(f"{path}: no task files (*.yaml) found")
    if measure:
        tasks = _measured(tasks, settings_from(repos_dir).repos_dir)
    counts = suite_stats(tasks)
    if as_json:
        typer.echo(json.dumps(counts.to_json(), indent=2))
    else:
        console.print(suite_stats_table(counts))


def _measured(tasks: list[Task], repos_dir: Path) -> list[Task]:
    """``tasks`` with a difficulty measured where none is recorded and the repository is here."""
    out: list[Task] = []
    for task in tasks:
        if task.difficulty is None:
            try:
                if repo_location(task.repo, repos_dir).exists():
                    gold, _ = reference_patches(ensure_source(task.repo, repos_dir), task)
                    task = task.model_copy(update={"difficulty": patch_difficulty(gold)})
                else:
                    err_console.print(
                        f"{escape(task.id)}: not measured: no mirror", highlight=False
                    )
            except ProctorError as exc:
                line = f"{task.id}: not measured: {exc}"
                err_console.print(escape(line), highlight=False, soft_wrap=True)
        out.append(task)
    return out


app.command("strength")(strength.strength)


@app.command("schema")
def schema(
    repo_config: bool = typer.Option(
        False, "--repo-config", help="The schema of import-swebench's --repo-config file instead."
    ),
) -> None:
    """Print the JSON Schema of a task file (or of a --repo-config file).

    Examples:

    \b
        proctor tasks schema > task.schema.json
        proctor tasks schema --repo-config > repo-config.schema.json
    """
    model = RepoConfig if repo_config else Task
    typer.echo(json.dumps(model.model_json_schema(), indent=2))


@app.command("import-swebench", cls=Command)
def import_swebench(
    file: Path = typer.Argument(..., metavar="FILE", help="SWE-bench instances, JSON or JSONL."),
    out: Path = typer.Option(
        Path("tasks/swebench"), "--out", metavar="DIR", help="Suite folder to write."
    ),
    repo_config: Path | None = typer.Option(
        None,
        "--repo-config",
        metavar="FILE",
        help="YAML: owner/name (or its GitHub URL) -> environment fields over the defaults "
        "(proctor tasks schema --repo-config).",
    ),
    python: str | None = PYTHON_OPT,
    package: list[str] = PACKAGE_OPT,
    pythonpath: list[str] = PYTHONPATH_OPT,
    infer: bool = typer.Option(
        True, "--infer/--no-infer", help="Infer each task's environment at its base commit."
    ),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Run each repository's tests in what was inferred."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Convert SWE-bench instances into task files, one per instance.

    Each task's environment is inferred from its repository at its base commit (the mirror is
    used, or cloned); the options given, then the --repo-config entry, replace the fields they
    set. With --check (the default) each repository's tests run once, at the newest task's base,
    in what was inferred: a repository whose proposal is rejected gets one line and no task
    files, and the command exits 1.

    Examples:

    \b
        proctor tasks import-swebench instances.jsonl --out tasks/swebench
        proctor tasks import-swebench lite.json --out tasks/lite --repo-config repos.yaml
        proctor tasks import-swebench lite.json --no-infer --package 'pytest<9'
    """
    defaults = given_environment(python, package, pythonpath)
    try:
        config = load_repo_config(repo_config)
        items = list(read_instances(file))
        tasks = [convert_instance(i, lbl, config, defaults) for lbl, i in items]
    except SpecError as exc:
        raise fail(str(exc)) from None
    failed: list[str] = []
    if infer:
        settings = settings_from(repos_dir, sandbox)
        if check:
            check_host_sandbox(settings, "tasks import-swebench")
        inferred = _infer(tasks, settings, check, failed)
        try:
            tasks = [
                convert_instance(i, lbl, config, defaults, inferred[t.id])
                for (lbl, i), t in zip(items, tasks, strict=True)
                if t.id in inferred
            ]
        except SpecError as exc:
            raise fail(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        (out / f"{task.id}.yaml").write_text(dump_task(task), encoding="utf-8")
    console.print(f"wrote {len(tasks)} task(s) to {out}")
    if failed:
        raise fail(f"no environment for {len(failed)} repositories: {', '.join(failed)}")


def _infer(
    tasks: list[Task], settings: Settings, check: bool, failed: list[str]
) -> dict[str, dict[str, object]]:
    """Inferred environment fields by task id; repositories without one go to ``failed``."""
    by_repo: dict[str, list[Task]] = {}
    for task in tasks:
        by_repo.setdefault(task.repo, []).append(task)
    fields: dict[str, dict[str, object]] = {}
    for repo, group in by_repo.items():
        group.sort(key=lambda t: t.created_at, reverse=True)
        try:
            found = environments_for(repo, [t.base_commit for t in group], settings, check=check)
        except ProctorError as exc:
            err_console.print(f"{escape(repo)}: {escape(str(exc))}", highlight=False)
            failed.append(repo)
            continue
        if found.check is not None:
            verdict = "accepted" if found.accepted else "rejected"
            line = f"{repo} at {found.checked_at[:12]}: {verdict}: {found.check.summary()}"
            chatter.print(escape(line), highlight=False)
        if not found.accepted:
            failed.append(repo)
            continue
        for task in group:
            env = found.environments[task.base_commit]
            fields[task.id] = env.model_dump(exclude_defaults=True, exclude={"lock"})
    return fields
