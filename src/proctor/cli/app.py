"""The `proctor` command: one thin module per command."""

from __future__ import annotations

import signal

import typer

from proctor.cli import compare, env, grade, humaneval, mine, retrieve, run, synth, tasks, validate
from proctor.run.models import open_chat_model
from proctor.settings import get_settings

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
app.command("grade")(grade.grade)
app.command("mine")(mine.mine)
app.command("synth")(synth.synth)
app.command("compare")(compare.compare)
app.command("humaneval")(
    humaneval.make_humaneval(lambda name: open_chat_model(name, get_settings()))
)


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into SystemExit so context managers stop local servers and sandboxes.
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the console script."""
    signal.signal(signal.SIGTERM, _terminate)
    app()
