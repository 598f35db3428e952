"""What every command shares: the consoles, settings from options, one-line errors, notes on
old spellings, and the options every command spells the same way."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from typer.core import TyperArgument, TyperCommand

from proctor.errors import SandboxError
from proctor.report import weak_sandbox_note
from proctor.run import AttemptResult, ModelChoice, Outcome
from proctor.sandbox import CONTAINER_BACKENDS, detect_backend, weak_isolation_warning
from proctor.settings import Settings, get_settings

console = Console()
"""What a command ends with: its tables and summary (kept by ``-q``)."""
chatter = Console()
"""What happens on the way: progress bars, a line per attempt (silenced by ``-q``)."""
err_console = Console(stderr=True)
"""Errors and warnings (always shown)."""

DEFAULT_SUITE = Path("tasks/core")
_T = TypeVar("_T")
log = logging.getLogger("proctor")

EXIT_ENVIRONMENT_ERRORS = 3
"""Exit status of ``proctor run`` and ``proctor grade`` while environment-errors remain."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line (taken literally, never as rich markup) and return the exit."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def exit_for_errors(results: Sequence[AttemptResult], hint: str = "") -> None:
    """Raise the exit of :data:`EXIT_ENVIRONMENT_ERRORS` when any result is an environment-error.

    Raises:
        typer.Exit: some are, after one line saying how many and how to retry them.
    """
    errors = [r for r in results if r.outcome is Outcome.ENVIRONMENT_ERROR]
    if errors:
        where = "; ".join(sorted({r.error_cause.value for r in errors if r.error_cause}))
        raise fail(
            f"{len(errors)} of {len(results)} attempt(s) ended in environment-error ({where})"
            + (f"; {hint}" if hint else ""),
            EXIT_ENVIRONMENT_ERRORS,
        )


def settings_from(repos_dir: Path | None = None, sandbox: str | None = None) -> Settings:
    """Settings with CLI options over PROCTOR_* environment over defaults."""
    settings = get_settings(repos_dir=repos_dir, sandbox=sandbox)
    log.info(
        "sandbox %s, repositories %s, environments %s",
        settings.sandbox,
        settings.repos_dir,
        settings.envs_dir,
    )
    return settings


class _Stderr(logging.Handler):
    """Writes to ``sys.stderr`` as it is when a record comes (a test runner may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except Exception:  # logging's own contract: report, never raise
            self.handleError(record)


_HANDLER = _Stderr()
_HANDLER.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))


def set_verbosity(quiet: bool, verbose: int) -> None:
    """``-q``: no progress and no notes, only errors, warnings and what a command ends with;
    ``-v``/``-vv``: proctor's log at INFO/DEBUG on stderr (otherwise warnings and errors).

    Raises:
        typer.Exit: both given.
    """
    if quiet and verbose:
        raise fail("give -q or -v, not both")
    chatter.quiet = quiet
    levels = {0: logging.NOTSET, 1: logging.INFO}  # NOTSET: Python's default, WARNING
    log.setLevel(levels.get(verbose, logging.DEBUG))
    if _HANDLER not in log.handlers:
        log.addHandler(_HANDLER)


def note(message: str) -> None:
    """One ``note:`` line on stderr, how an old spelling is written now (silenced by ``-q``)."""
    if not chatter.quiet:
        err_console.print(f"note: {escape(message)}", highlight=False, soft_wrap=True)


def renamed(value: _T | None, old_value: _T | None, name: str, old_name: str) -> _T | None:
    """An option's value, given as ``name`` or, after a note, as its old spelling ``old_name``.

    Raises:
        typer.Exit: both given.
    """
    if old_value is None:
        return value
    if value is not None:
        raise fail(f"give {name} or {old_name}, not both")
    note(f"{old_name} is now {name}")
    return old_value


def suite_from(suite: Path | None, ctx: typer.Context) -> Path:
    """``--suite``, or the suite given the old way, as the one argument (after a note).

    Raises:
        typer.Exit: more than one argument, or both the argument and ``--suite``.
    """
    if not ctx.args:
        return suite or DEFAULT_SUITE
    if len(ctx.args) > 1:
        raise fail(f"unexpected arguments: {' '.join(ctx.args)} (give the suite as --suite PATH)")
    if suite is not None:
        raise fail(f"give the suite once, as --suite PATH (not also as {ctx.args[0]})")
    note(f"give the suite as --suite {ctx.args[0]}")
    return Path(ctx.args[0])


def check_sandbox(settings: Settings) -> Settings:
    """Before a command runs untrusted code: make sure its sandbox works here, and say so
    loudly, on one line, when it is a weaker backend asked for by name.

    Returns:
        ``settings``, unchanged.

    Raises:
        typer.Exit: (code 1, after one error line) the backend is unknown or cannot run
            here; for ``auto``, no full-isolation sandbox (bubblewrap) works.
    """
    try:
        backend = detect_backend(settings.sandbox)
    except SandboxError as exc:
        raise fail(str(exc)) from None
    warning = weak_isolation_warning(backend)
    if warning is not None:
        err_console.print(f"[bold red]WARNING:[/] {warning}", highlight=False, soft_wrap=True)
    return settings


def check_host_sandbox(settings: Settings, command: str) -> Settings:
    """:func:`check_sandbox` for a command that builds host venvs and runs them itself
    (``mine``, with its verify stage, ``synth``, ``infer``, ``tasks import-swebench``): a
    container backend, asked for by name or picked by ``auto``, cannot run a host venv, so it
    is refused in one line naming the command and what to use instead.

    Returns:
        ``settings``, unchanged.

    Raises:
        typer.Exit: (code 1, after one error line) as :func:`check_sandbox`, or the backend is
            a container one.
    """
    if settings.sandbox in CONTAINER_BACKENDS:
        raise fail(
            f"proctor {command} builds host venvs, which the {settings.sandbox} sandbox cannot "
            f"run; use --sandbox bwrap (or auto) for it (--sandbox {settings.sandbox} serves "
            "run, validate and env build)"
        )
    check_sandbox(settings)
    backend = detect_backend(settings.sandbox)
    if backend in CONTAINER_BACKENDS:  # auto picked it: no bubblewrap here
        raise fail(
            f"proctor {command} builds host venvs, which the {backend} sandbox (what auto "
            "picked here) cannot run; install bubblewrap (apt-get install bubblewrap) or pass "
            "--sandbox unshare / --sandbox none to run with weaker isolation"
        )
    return settings


def progress_bar() -> Progress:
    """A transient progress bar on :data:`chatter` (none with ``-q``)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(
        *columns,
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=chatter,
        transient=True,
        disable=chatter.quiet,
    )


def warn_weak_sandbox(results: Sequence[AttemptResult]) -> None:
    """After a run's summary: the same loud line when attempts ran with weaker isolation."""
    note = weak_sandbox_note(results)
    if note is not None:
        err_console.print(f"[bold red]WARNING:[/] {escape(note)}", highlight=False, soft_wrap=True)


LEGACY_SUITE = {"allow_extra_args": True}
"""Context settings of a command that once took its suite as an argument (see suite_from)."""

SUITE_OPT = typer.Option(
    None, "--suite", metavar="PATH", help="Suite folder or task file (default tasks/core)."
)


class _NamedArgument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class Command(TyperCommand):
    """A command whose arguments show only their metavar in help, as its options do (typer
    would add the Python type, e.g. ``PATH_OR_URL <str>``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.__class__ = _NamedArgument


REPOS_OPT = typer.Option(
    None, "--repos-dir", metavar="DIR", help="Mirror cache (default repos/, PROCTOR_REPOS_DIR)."
)
SANDBOX_OPT = typer.Option(
    None,
    "--sandbox",
    metavar="NAME",
    help="auto (bubblewrap, else docker, or refuse), bwrap, docker (containers on environment "
    "images), or by name only the weaker unshare (host filesystem visible) or none (no "
    "isolation); PROCTOR_SANDBOX.",
)

# The environment options of the commands that infer one (mine, synth, env infer, import):
# each field given replaces the inferred one.
PYTHON_OPT = typer.Option(
    None, "--python", metavar="VERSION", help="Python version (over the inferred one)."
)
PACKAGE_OPT = typer.Option(
    [], "--package", metavar="REQ", help="Requirement for the venv (repeat; over inference)."
)
PYTHONPATH_OPT = typer.Option(
    [],
    "--pythonpath",
    metavar="DIR",
    help="Checkout folder on PYTHONPATH (repeat; over inference).",
)


def given_environment(
    python: str | None, package: Sequence[str], pythonpath: Sequence[str]
) -> dict[str, object]:
    """The environment fields the options set (those left out are inferred or defaulted)."""
    given: dict[str, object] = {"python": python, "packages": list(package)}
    given["pythonpath"] = list(pythonpath)
    return {k: v for k, v in given.items() if v}


# The options of every command that runs a model on tasks (run, compare).
AGENT_OPT = typer.Option(
    "oneshot", "--agent", metavar="NAME", help="oneshot (edit blocks) or tools."
)
RETRIEVER_OPT = typer.Option(
    "hybrid",
    "--retriever",
    metavar="NAME",
    help="hybrid, bm25, bm25-files, none; oracle = UPPER BOUND, not a retriever: the "
    "reference fix's files whole (SWE-bench's oracle setting).",
)
MAX_TOKENS_OPT = typer.Option(200_000, "--max-tokens", metavar="N", help="Per-task token budget.")
MAX_USD_OPT = typer.Option(1.0, "--max-usd", metavar="USD", help="Per-task dollar budget.")
MAX_SECONDS_OPT = typer.Option(
    1800.0, "--max-seconds", metavar="SECONDS", help="Per-task wall-time budget for the model."
)
THREADS_OPT = typer.Option(
    None,
    "--threads",
    metavar="N",
    min=1,
    help="CPU threads for a local model's server (default: every CPU this process may use).",
)
JOBS_OPT = typer.Option(1, "-j", "--jobs", metavar="N", help="Attempts in parallel.")

RUN_DIR_ALIAS = typer.Option(None, "--run-dir", hidden=True)
"""The old spelling of ``--out`` in run and grade (hidden; see :func:`renamed`)."""

SAMPLES_OPT = typer.Option(
    1,
    "--samples",
    metavar="K",
    help="Independent attempts per task (K > 1 needs --temperature above 0).",
)
TEMPERATURE_OPT = typer.Option(
    None,
    "--temperature",
    metavar="T",
    help="Sampling temperature of the model (default: its models.yaml entry's, else 0).",
)


def run_options(
    choice: ModelChoice, settings: Settings, *, jobs: int, samples: int, ray: str | None
) -> dict[str, object]:
    """How a run is made, as its manifest records it for reports (``run.json``)."""
    return {
        "agent": choice.agent,
        "retriever": choice.retriever,
        "budget": f"{choice.max_tokens} tokens, ${choice.max_usd}, {choice.max_seconds} s per task",
        "temperature": "catalog default" if choice.temperature is None else choice.temperature,
        "edit format": choice.edit_format or "the model's default",
        "samples": samples,
        "jobs": jobs,
        "sandbox backend": settings.sandbox,
        "ray": ray or "off",
    }
