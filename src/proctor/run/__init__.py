"""Runs: one attempt per task, recorded as it finishes, resumable."""

from proctor.run.attempt import AttemptContext, run_attempt
from proctor.run.references import References, TaskSource
from proctor.run.results import AttemptResult, ErrorCause, Outcome, ResultsStore
from proctor.run.suite import run_suite

__all__ = [
    "AttemptContext",
    "AttemptResult",
    "ErrorCause",
    "Outcome",
    "References",
    "ResultsStore",
    "TaskSource",
    "run_attempt",
    "run_suite",
]
