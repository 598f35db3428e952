"""`proctor synth`: same-function task pairs (repo and isolated) from a repository's tests."""

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
from proctor.mine import SynthConfig, propose_environment, synthesize
from proctor.repo import ensure_source, resolve_commit
from proctor.spec import Environment


def synth(
    repo: str = typer.Argument(..., metavar="PATH_OR_URL", help="Repository URL or local path."),
    commit: str = typer.Option(
        ..., "--commit", metavar="SHA", help="Commit to take the functions from."
    ),
    out: Path = typer.Option(
        ..., "--out", metavar="DIR", help="Suite folder to write, e.g. tasks/NAME."
    ),
    max_tasks: int = typer.Option(10, "--max", metavar="N", help="Most function pairs to write."),
    documented_only: bool = typer.Option(
        False,
        "--documented-only",
        help="Only functions with a docstring (an isolated prompt is then more than a signature).",
    ),
    python: str | None = PYTHON_OPT,
    package: list[str] = PACKAGE_OPT,
    pythonpath: list[str] = PYTHONPATH_OPT,
    infer: bool = typer.Option(
        True, "--infer/--no-infer", help="Infer the environment at the commit."
    ),
    repos_dir: Path | None = REPOS_OPT,
    sandbox: str | None = SANDBOX_OPT,
) -> None:
    """Trace the test suite, pick covered functions, write verified <id>-repo/<id>-iso pairs.

    The environment is inferred from the repository at the commit; --python, --package and
    --pythonpath replace the fields they set (--no-infer: those options and the defaults).

    Examples:

    \b
        proctor synth https://github.com/tkem/cachetools --commit SHA \\
            --out tasks/pairs/cachetools --max 6 --pythonpath src --package 'pytest>=8,<9'
    """
    settings = settings_from(repos_dir, sandbox)
    check_host_sandbox(settings, "synth")
    try:
        given = given_environment(python, package, pythonpath)
        if infer:
            source = ensure_source(repo, settings.repos_dir)
            environment = propose_environment(source, resolve_commit(source, commit), given)
        else:
            environment = Environment.model_validate(given)
        config = SynthConfig(
            repo=repo,
            commit=commit,
            out=out,
            environment=environment,
            max_tasks=max_tasks,
            documented_only=documented_only,
            repos_dir=settings.repos_dir,
            envs_dir=settings.envs_dir,
            sandbox=settings.sandbox,
            memory_mb=settings.memory_mb,
            suite_timeout_s=settings.test_timeout_s,
            per_test_timeout_s=settings.per_test_timeout_s,
        )
        report = synthesize(config, log=lambda line: chatter.print(escape(line), highlight=False))
    except (ProctorError, ValueError) as exc:
        raise fail(str(exc)) from None
    for label, reason in report.skipped:
        chatter.print(escape(f"skipped {label}: {reason}"), highlight=False)
    if not report.written:
        raise fail(f"no task pair could be made from {repo} at {commit}")
    console.print(
        f"wrote {len(report.written)} pair(s) to {out} (derived repository {report.derived_repo})"
    )
