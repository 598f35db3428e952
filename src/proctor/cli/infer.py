"""`proctor env infer`: the environment a repository's tests need, found and checked."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

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
    given_environment,
    settings_from,
)
from proctor.errors import ProctorError
from proctor.mine import MAX_FILES, find_environment
from proctor.repo import github_slug
from proctor.spec import dump_yaml, python_version


def infer(
    repo: str = typer.Argument(..., metavar="PATH_OR_URL", help="Repository URL or local path."),
    commit: str = typer.Option("HEAD", "--commit", metavar="SHA", help="Commit to read."),
    python: str | None = PYTHON_OPT,
    package: list[str] = PACKAGE_OPT,
    pythonpath: list[str] = PYTHONPATH_OPT,
    check: bool = typer.Option(
        True, "--check/--no-check", help="Run the repository's tests in the proposal."
    ),
    max_files: int = typer.Option(
        MAX_FILES, "--max-files", metavar="N", min=1, help="Most test files the check runs."
    ),
    out: Path | None = typer.Option(
        None, "--write", metavar="FILE", help="Also write the YAML to FILE."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Infer the environment a repository's tests need at a commit, and check it.

    Reads the build system, dependencies and test extras, the layout, generated version files,
    compiled extensions and the Python version; then runs the repository's tests (up to
    --max-files test files) in the proposal. Accepted when the tests collect and at least 90%
    of those that ran passed. Prints the environment as a --repo-config entry; exits 1 when
    the proposal is rejected.

    Examples:

    \b
        proctor env infer https://github.com/pytest-dev/iniconfig
        proctor env infer ../myrepo --commit v1.2.0 --write repos.yaml
    """
    try:
        given = given_environment(python and python_version(python), package, pythonpath)
    except ValueError as exc:
        raise fail(f"--python: {exc}") from None
    settings = settings_from(repos_dir, sandbox)
    if check:
        check_host_sandbox(settings, "infer")
    try:
        found = find_environment(
            repo, commit, settings, given=given, check=check, max_files=max_files
        )
    except ProctorError as exc:
        raise fail(str(exc)) from None
    slug = github_slug(repo)
    key = "/".join(slug) if slug else repo
    fields = found.environment.model_dump(mode="json", exclude_defaults=True)
    text = dump_yaml({key: fields})
    console.print(escape(text.rstrip()), highlight=False, soft_wrap=True)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        chatter.print(f"written to {escape(str(out))}")
    if found.check is None:
        return
    verdict = "[green]accepted[/]" if found.accepted else "[red]rejected[/]"
    console.print(f"{found.commit[:12]}: {verdict}: {escape(found.check.summary())}")
    if not found.accepted:
        raise typer.Exit(1)
