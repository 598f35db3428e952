"""`proctor env build`: build every environment a suite needs, ahead of a run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from proctor.cli.common import console, fail, settings_from
from proctor.errors import ProctorError
from proctor.sandbox import build_env
from proctor.spec import load_suite

app = typer.Typer(help="Task environments.", no_args_is_help=True)


@app.command("build")
def build(suite: Path = typer.Argument(..., help="Suite folder or task file.")) -> None:
    """Build (or reuse) one venv per distinct environment of the suite."""
    try:
        tasks = load_suite(suite)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    settings = settings_from()
    unique = {t.env_key: t for t in tasks}
    failed = 0
    for key, task in unique.items():
        try:
            env = build_env(task.environment, task.repo, settings.envs_dir)
            console.print(f"{key} ({task.repo}): [green]ready[/] {escape(str(env.path))}")
        except ProctorError as exc:
            failed += 1
            console.print(f"{key} ({task.repo}): [red]{escape(str(exc))}[/]", highlight=False)
    if failed:
        raise fail(f"{failed} of {len(unique)} environment(s) failed to build")
