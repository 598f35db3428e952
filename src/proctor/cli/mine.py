"""`proctor mine`: turn a repository's history into verified task specs; resumable."""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.markup import escape

from proctor.cli.cluster import MINE_RAY_OPT, verifier_for
from proctor.cli.common import (
    PACKAGE_OPT,
    PYTHON_OPT,
    PYTHONPATH_OPT,
    REPOS_OPT,
    SANDBOX_OPT,
    chatter,
    check_host_sandbox,
    console,
    fail,
    settings_from,
)
from proctor.errors import ProctorError
from proctor.mine import (
    REPORT_NAME,
    Describe,
    MineEntry,
    MineOptions,
    Verifier,
    chat_describer,
    reasons_table,
    verified_table,
)
from proctor.mine import mine as mine_repo
from proctor.run import open_chat_model
from proctor.settings import Settings

_FLAGS = {"max_candidates": "max", "src_globs": "src-glob", "test_globs": "test-glob"}
_FLAGS |= {"doc_globs": "doc-glob", "packages": "package"}


def _options(**values: object) -> MineOptions:
    given = {k: v for k, v in values.items() if v is not None and v != []}
    try:
        return MineOptions.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        flag = _FLAGS.get(field.split(".")[0], field.split(".")[0].replace("_", "-"))
        raise fail(f"--{flag}: {message}") from None


def mine(
    repo: str = typer.Argument(..., metavar="PATH_OR_URL", help="Repository URL or local path."),
    out: Path = typer.Option(
        ..., "--out", metavar="DIR", help="Suite folder for the tasks, e.g. tasks/mined."
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="Only commits after this date."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="DATE", help="Only commits before this date."
    ),
    rev: str | None = typer.Option(
        None, "--rev", metavar="REV", help="Start of the walk (default HEAD)."
    ),
    name: str | None = typer.Option(
        None, "--name", metavar="NAME", help="Task id prefix (the repo's name)."
    ),
    max_candidates: int | None = typer.Option(
        None, "--max", metavar="N", help="Verify at most N candidates, newest first."
    ),
    jobs: int = typer.Option(
        1, "-j", "--jobs", metavar="N", help="Candidates verified in parallel."
    ),
    src_glob: list[str] = typer.Option(
        [], "--src-glob", metavar="GLOB", help="Source files (default *.py; repeat)."
    ),
    test_glob: list[str] = typer.Option(
        [], "--test-glob", metavar="GLOB", help="Extra test files (repeat)."
    ),
    doc_glob: list[str] = typer.Option(
        [], "--doc-glob", metavar="GLOB", help="Docs/changelog files (repeat)."
    ),
    max_files: int | None = typer.Option(
        None, "--max-files", metavar="N", help="Most files in a fix (6)."
    ),
    max_lines: int | None = typer.Option(
        None, "--max-lines", metavar="N", help="Most lines in a fix (300)."
    ),
    single_file: bool = typer.Option(False, "--single-file", help="One-file fixes only."),
    min_files: int | None = typer.Option(
        None, "--min-files", metavar="N", help="Fewest source files in a fix (1; 2: multi-file)."
    ),
    python: str | None = PYTHON_OPT,
    package: list[str] = PACKAGE_OPT,
    pythonpath: list[str] = PYTHONPATH_OPT,
    no_infer: bool = typer.Option(
        False,
        "--no-infer",
        help="Don't infer the environment from each fix (use --python/--package/--pythonpath "
        "and their defaults only).",
    ),
    describe_with: str | None = typer.Option(
        None,
        "--describe-with",
        metavar="MODEL",
        help="Chat model that drafts the problem statements.",
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
    ray: str | None = MINE_RAY_OPT,
) -> None:
    """Find commits that fix source and tests together, verify them, write them as tasks.

    Started again with the same --out, it resumes. The environment of each fix's tests is
    inferred from the repository at that commit (build system, dependencies, src or flat
    layout, generated version files, Python version); --python, --package and --pythonpath
    replace what inference found for that field.

    Examples:

    \b
        proctor mine https://github.com/tkem/cachetools --out tasks/mined-cachetools --max 20
        proctor mine ../sqlparse --out tasks/sqlparse --since 2023-01-01 -j 2 --no-infer
        proctor mine ../sqlparse --out tasks/sqlparse --max 20 -j 8 --ray auto
    """
    options = _options(
        name=name,
        rev=rev,
        since=since,
        until=until,
        max_candidates=max_candidates,
        src_globs=src_glob,
        test_globs=test_glob,
        doc_globs=doc_glob,
        max_files=max_files,
        max_lines=max_lines,
        single_file=single_file,
        min_files=min_files,
        python=python,
        packages=package,
        pythonpath=pythonpath,
        infer=False if no_infer else None,
    )
    settings = settings_from(repos_dir, sandbox)
    check_host_sandbox(settings, "mine")
    with contextlib.ExitStack() as stack:
        describe: Describe | None = None
        try:
            if describe_with is not None:
                chat = stack.enter_context(open_chat_model(describe_with, settings))
                describe = chat_describer(chat)
            verifier = stack.enter_context(verifier_for(ray, settings))
        except ProctorError as exc:
            raise fail(str(exc)) from None
        _mine(repo, out, options, settings, describe, describe_with, jobs, verifier)


def _mine(
    repo: str,
    out: Path,
    options: MineOptions,
    settings: Settings,
    describe: Describe | None,
    describe_with: str | None,
    jobs: int,
    verifier: Verifier | None = None,
) -> None:

    def on_entry(entry: MineEntry) -> None:
        if entry.stage == "verify":
            kept = entry.status == "kept"
            mark = f"[green]kept[/] {entry.task_id}" if kept else escape(entry.reason)
            line = f"{entry.sha[:7]} {escape(entry.subject[:60])}: {mark}"
            chatter.print(line, highlight=False)

    try:
        result = mine_repo(
            repo,
            out,
            options,
            settings,
            describe=describe,
            describe_name=describe_with or "",
            jobs=jobs,
            on_entry=on_entry,
            verifier=verifier,
        )
    except ProctorError as exc:
        raise fail(str(exc)) from None
    console.print(verified_table(result.entries))
    console.print(reasons_table(result.entries))
    console.print(
        f"{len(result.kept)} task(s) in {out}; this run examined {len(result.new)} commit(s); "
        f"report: {out / REPORT_NAME}"
    )
