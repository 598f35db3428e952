"""The ``proctor`` command: a typer app, one thin module per command."""

from proctor.cli.app import app, main

__all__ = ["app", "main"]
