"""The `proctor` command: one thin module per command."""

from __future__ import annotations

import os
import signal
import sys
import threading

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


_interrupted = threading.Event()


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into SystemExit so context managers stop local servers and sandboxes.
    _interrupted.set()
    raise SystemExit(128 + signum)


def _interrupt(signum: int, frame: object) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the console script.

    After SIGTERM or Ctrl-C the stack unwinds (local servers stop, sandboxes are killed); then,
    if attempts are still in flight on worker threads (blocked in a model call, say), the
    process exits at once instead of waiting for them: their results would not be recorded
    anyway (see :mod:`proctor.run.suite`), and a resumed run attempts them again.
    """
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app()
    except SystemExit as exc:
        if _interrupted.is_set() and threading.active_count() > 1:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise
