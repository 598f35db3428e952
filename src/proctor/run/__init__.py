"""Runs: one attempt per task (or per sample), recorded as it finishes, resumable."""

from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.key import AttemptKey
from proctor.run.predictions import patch_sha256, read_patch, read_predictions
from proctor.run.preflight import check_model, check_run_dir, preflight
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
from proctor.run.solvers import ModelChoice, open_chat_model, open_model
from proctor.run.suite import run_suite
from proctor.run.validate import TaskCheck, validate_suite

__all__ = [
    "RESULTS_FILE",
    "AttemptContext",
    "AttemptInput",
    "AttemptKey",
    "AttemptOptions",
    "AttemptResult",
    "ErrorCause",
    "ModelChoice",
    "Outcome",
    "References",
    "ResultsStore",
    "TaskCheck",
    "TaskSource",
    "check_model",
    "check_run_dir",
    "latest_results",
    "open_chat_model",
    "open_model",
    "patch_sha256",
    "preflight",
    "read_patch",
    "read_predictions",
    "read_results",
    "run_attempt",
    "run_suite",
    "validate_suite",
]
