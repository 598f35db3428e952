"""The figures beside the resolve rate, as ``proctor run`` and ``proctor compare`` show them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.markup import escape

from proctor.cli.common import console, err_console
from proctor.files import write_atomic
from proctor.report import (
    FIGURES_FILE,
    Comparison,
    calibration_table,
    consistency_table,
    differences_table,
    fairness_table,
    run_figures,
    task_facts,
)
from proctor.run import AttemptResult, model_dates
from proctor.spec import Task


def print_run_figures(
    model: str, results: Sequence[AttemptResult], tasks: Sequence[Task], out: Path
) -> None:
    """Show one run's calibration, consistency (with samples) and cutoff split, and write
    them to ``out/figures.json``."""
    figures = run_figures(model, results, task_facts(tasks), model_dates(model))
    write_atomic(out / FIGURES_FILE, figures.model_dump_json(indent=2) + "\n")
    console.print(calibration_table([(model, figures.calibration)], console.width))
    if figures.consistency is not None and figures.consistency.samples > 1:
        console.print(consistency_table([(model, figures.consistency)], console.width))
    console.print(fairness_table([figures], width=console.width))


def print_comparison_figures(comparison: Comparison) -> None:
    """Show a comparison's calibration, consistency, fairness and paired differences, and
    its fairness warnings."""
    rows = comparison.models
    console.print(calibration_table([(m.model, m.calibration) for m in rows], console.width))
    if any(m.consistency is not None and m.consistency.samples > 1 for m in rows):
        console.print(consistency_table([(m.model, m.consistency) for m in rows], console.width))
    console.print(fairness_table(rows, window=comparison.window is not None, width=console.width))
    if comparison.differences:
        console.print(differences_table(comparison.differences))
    for line in comparison.notes:
        console.print(f"note: {escape(line)}", highlight=False, soft_wrap=True)
    for line in comparison.warnings:
        err_console.print(f"[bold red]WARNING:[/] {escape(line)}", highlight=False, soft_wrap=True)
