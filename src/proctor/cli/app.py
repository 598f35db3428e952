"""The `proctor` command: one thin module per command."""

from __future__ import annotations

import typer

from proctor.cli import env, mine, retrieve, run, tasks, validate

app = typer.Typer(
    help="Measure how useful a code model is in real engineering work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(tasks.app, name="tasks")
app.add_typer(env.app, name="env")
app.command("run")(run.run)
app.command("validate")(validate.validate)
app.command("retrieve")(retrieve.retrieve)
app.command("mine")(mine.mine)


def main() -> None:
    """Entry point of the console script."""
    app()
