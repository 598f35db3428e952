"""What a run says on the way: a running count per outcome, and the line after Ctrl-C."""

from __future__ import annotations

import shlex
import sys
from collections import Counter
from pathlib import Path

from proctor.errors import ProctorError
from proctor.run import RESULTS_FILE, AttemptResult, Outcome, read_results


class OutcomeCounts:
    """Outcomes of the attempts finished so far; ``str`` is one short line."""

    def __init__(self) -> None:
        self.counts: Counter[Outcome] = Counter()

    def add(self, result: AttemptResult) -> None:
        """Count one finished attempt."""
        self.counts[result.outcome] += 1

    def __str__(self) -> str:
        shown = [f"{self.counts[o]} {o.value}" for o in Outcome if self.counts[o]]
        return f"[{' · '.join(shown)}]" if shown else ""


def interrupted_line(folder: Path | None) -> str:
    """The one line after Ctrl-C: what was kept, and how to go on."""
    if folder is None or not (folder / RESULTS_FILE).exists():
        return "interrupted before any attempt finished: nothing kept"
    try:
        kept = len(read_results(folder))
    except ProctorError:
        kept = 0
    again = shlex.join(["proctor", *sys.argv[1:]])
    return (
        f"interrupted: {kept} finished attempt(s) kept in {folder / RESULTS_FILE}; "
        f"`{again}` resumes (attempts in flight start over)"
    )
