"""`proctor env build`: build every environment a suite needs, ahead of a run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from proctor.cli.common import (
    LEGACY_SUITE,
    SUITE_OPT,
    chatter,
    console,
    fail,
    settings_from,
    suite_from,
)
from proctor.cli.infer import infer
from proctor.errors import ProctorError
from proctor.sandbox import build_env
from proctor.spec import load_suite

app = typer.Typer(help="Task environments.", no_args_is_help=True)


@app.command("build", context_settings=LEGACY_SUITE)
def build(ctx: typer.Context, suite: Path | None = SUITE_OPT) -> None:
    """Build (or reuse) one venv per distinct environment of the suite.

    Examples:

    \b
        proctor env build --suite tasks/core
    """
    try:
        tasks = load_suite(suite_from(suite, ctx))
    except ProctorError as exc:
        raise fail(str(exc)) from None
    settings = settings_from()
    unique = {t.env_key: t for t in tasks}
    failed = 0
    for key, task in unique.items():
        try:
            env = build_env(task.environment, task.repo, settings.envs_dir)
            chatter.print(f"{key} ({task.repo}): [green]ready[/] {escape(str(env.path))}")
        except ProctorError as exc:
            failed += 1
            console.print(f"{key} ({task.repo}): [red]{escape(str(exc))}[/]", highlight=False)
    if failed:
        raise fail(f"{failed} of {len(unique)} environment(s) failed to build")
    console.print(f"{len(unique)} environment(s) ready")


app.command("infer")(infer)
