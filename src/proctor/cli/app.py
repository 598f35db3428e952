"""The `proctor` command: one thin module per command."""

from __future__ import annotations

import os
import signal
import sys
import threading
from importlib.metadata import PackageNotFoundError, version

import typer

from proctor.cli import (
    compare,
    env,
    grade,
    humaneval,
    mine,
    report,
    repos,
    retrieve,
    run,
    synth,
    tasks,
    validate,
)
from proctor.cli.cluster import bare_ray
from proctor.cli.common import LEGACY_SUITE, Command, set_verbosity
from proctor.run import open_chat_model
from proctor.settings import get_settings

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: metavars, never Python types
)


def _print_version(asked: bool) -> None:
    if asked:
        try:
            typer.echo(f"proctor {version('proctor')}")
        except PackageNotFoundError:
            typer.echo("proctor (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _global_options(
    quiet: bool = typer.Option(
        False, "-q", "--quiet", help="Only errors, warnings and the final table or summary."
    ),
    verbose: int = typer.Option(
        0,
        "-v",
        "--verbose",
        count=True,
        show_default=False,
        help="proctor's log on stderr: -v INFO, -vv DEBUG.",
    ),
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the installed version and exit.",
    ),
) -> None:
    """Measure how useful a code model is in real engineering work.

    Global options (-q, -v) come before the command.

    Examples:

    \b
        proctor run --model gold --out runs/gold
        proctor -q run --suite tasks/core --model openai:gpt-4o-mini -j 4
        proctor grade --task cachetools-91aa4c6 --patch fix.patch
        proctor COMMAND --help
    """
    set_verbosity(quiet, verbose)


app.add_typer(tasks.app, name="tasks")
app.add_typer(env.app, name="env")
app.add_typer(repos.app, name="repos")
app.command("run")(run.run)
app.command("validate", context_settings=LEGACY_SUITE)(validate.validate)
app.command("retrieve")(retrieve.retrieve)
app.command("grade")(grade.grade)
app.command("mine", cls=Command)(mine.mine)
app.command("synth", cls=Command)(synth.synth)
app.command("compare")(compare.compare)
app.command("report", cls=Command)(report.report)
app.command("view", cls=Command)(report.view)
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
    sys.argv[1:] = bare_ray(sys.argv[1:])
    try:
        app()
    except SystemExit as exc:
        if _interrupted.is_set() and threading.active_count() > 1:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise
