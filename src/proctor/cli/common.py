"""What every command shares: the console, settings from options, one-line errors."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from proctor.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_from(repos_dir: Path | None = None, sandbox: str | None = None) -> Settings:
    """Settings with CLI options over PROCTOR_* environment over defaults."""
    return get_settings(repos_dir=repos_dir, sandbox=sandbox)


REPOS_OPT = typer.Option(
    None, "--repos-dir", help="Mirror cache (default repos/, PROCTOR_REPOS_DIR)."
)
SANDBOX_OPT = typer.Option(None, "--sandbox", help="auto, bwrap, unshare or none.")

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
