"""Options and output of feedback rounds, shared by `proctor run` and `proctor compare`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from proctor.cli.common import console
from proctor.errors import ConfigError
from proctor.files import write_atomic
from proctor.report import compliance_cell, edit_compliance, feedback_figures, feedback_table
from proctor.run import read_results

FEEDBACK_FILE = "feedback.json"

EDIT_FORMAT_OPT = typer.Option(
    None,
    "--edit-format",
    metavar="FORMAT",
    help="How one-shot answers write edits: search-replace, whole-file, udiff or function "
    "(default: the model's edit_format in models.yaml, else search-replace).",
)
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


def report_rounds(run_dir: Path, model: str, *, rounds: bool) -> None:
    """Print the edit-format compliance and (with ``rounds``) the feedback figures of a run
    folder; write both to its ``feedback.json``."""
    results = read_results(run_dir)
    figures = feedback_figures(results)
    compliance = edit_compliance(results)
    if rounds:
        console.print(feedback_table([(model, figures)]))
    line = f"edit-format compliance (edits applied on the first try): {compliance_cell(compliance)}"
    console.print(line, highlight=False)
    data = {
        "model": model,
        "feedback": figures.model_dump() if figures else None,
        "edit_compliance": compliance.model_dump() if compliance else None,
    }
    write_atomic(run_dir / FEEDBACK_FILE, json.dumps(data, indent=1))
