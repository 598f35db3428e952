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
