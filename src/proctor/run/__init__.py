"""Runs: one attempt per task (or per sample), recorded as it finishes, resumable."""

from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.key import AttemptKey
from proctor.run.references import References, TaskSource
from proctor.run.results import (
    RESULTS_FILE,
    AttemptResult,
    ErrorCause,
    Outcome,
    ResultsStore,
    latest_results,
    read_results,
)
from proctor.run.suite import run_suite

__all__ = [
    "RESULTS_FILE",
    "AttemptContext",
    "AttemptInput",
    "AttemptKey",
    "AttemptOptions",
    "AttemptResult",
    "ErrorCause",
    "Outcome",
    "References",
    "ResultsStore",
    "TaskSource",
    "latest_results",
    "read_results",
    "run_attempt",
    "run_suite",
]
