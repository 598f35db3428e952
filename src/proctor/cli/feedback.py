"""Options and output of feedback rounds, shared by `proctor run` and `proctor compare`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from proctor.cli.common import console
from proctor.errors import ConfigError
from proctor.files import write_atomic
from proctor.report import feedback_figures, feedback_table
from proctor.run import read_results

FEEDBACK_FILE = "feedback.json"

FEEDBACK_ROUNDS_OPT = typer.Option(
    0,
    "--feedback-rounds",
    metavar="N",
    help="After grading, give the model N more turns with feedback (the failing tests' "
    "messages, never their code), each graded again; round 0 stays the score.",
)
CHALLENGE_OPT = typer.Option(
    False,
    "--challenge",
    help="In feedback rounds, also tell the model its resolved fixes are wrong (unfounded).",
)


def check_rounds(rounds: int, challenge: bool) -> None:
    """Raises ConfigError for a negative count, or --challenge without rounds."""
    if rounds < 0:
        raise ConfigError(f"--feedback-rounds must be 0 or more, not {rounds}")
    if challenge and rounds == 0:
        raise ConfigError("--challenge needs --feedback-rounds 1 or more")


def report_rounds(run_dir: Path, model: str) -> None:
    """Print the feedback figures of a run folder and write them to its ``feedback.json``."""
    figures = feedback_figures(read_results(run_dir))
    console.print(feedback_table([(model, figures)]))
    data = {"model": model, "feedback": figures.model_dump() if figures else None}
    write_atomic(run_dir / FEEDBACK_FILE, json.dumps(data, indent=1))
