"""What every command shares: the console, settings from options, one-line errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from proctor.errors import SandboxError
from proctor.report import weak_sandbox_note
from proctor.run import AttemptResult, Outcome
from proctor.sandbox import detect_backend, weak_isolation_warning
from proctor.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)

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
    return get_settings(repos_dir=repos_dir, sandbox=sandbox)


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


def warn_weak_sandbox(results: Sequence[AttemptResult]) -> None:
    """After a run's summary: the same loud line when attempts ran with weaker isolation."""
    note = weak_sandbox_note(results)
    if note is not None:
        err_console.print(f"[bold red]WARNING:[/] {escape(note)}", highlight=False, soft_wrap=True)


REPOS_OPT = typer.Option(
    None, "--repos-dir", help="Mirror cache (default repos/, PROCTOR_REPOS_DIR)."
)
SANDBOX_OPT = typer.Option(
    None,
    "--sandbox",
    help="auto (bubblewrap, or refuse), bwrap, or by name only the weaker unshare (host "
    "filesystem visible) or none (no isolation); PROCTOR_SANDBOX.",
)

# The options of every command that runs a model on tasks (run, compare).
AGENT_OPT = typer.Option("oneshot", "--agent", help="oneshot (edit blocks) or tools.")
RETRIEVER_OPT = typer.Option("hybrid", "--retriever", help="hybrid, bm25, bm25-files, none.")
MAX_TOKENS_OPT = typer.Option(200_000, "--max-tokens", help="Per-task token budget.")
MAX_USD_OPT = typer.Option(1.0, "--max-usd", help="Per-task dollar budget.")
MAX_SECONDS_OPT = typer.Option(
    1800.0, "--max-seconds", help="Per-task wall-time budget for the model."
)
THREADS_OPT = typer.Option(1, "--threads", help="CPU threads for a local model's server.")
JOBS_OPT = typer.Option(1, "-j", "--jobs", help="Attempts in parallel.")
