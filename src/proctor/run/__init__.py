"""Runs: one attempt per task (or per sample), recorded as it finishes, resumable."""

from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.holdsup import grade_patches
from proctor.run.humaneval import HumanEvalResult, ProblemResult, SampleRecord, run_humaneval
from proctor.run.key import AttemptKey
from proctor.run.passk import mean_pass_at_k, pass_at_k
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
from proctor.run.strength import GradedMutant, TaskStrength, Verdict, measure_strength
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
    "GradedMutant",
    "HumanEvalResult",
    "ModelChoice",
    "Outcome",
    "ProblemResult",
    "References",
    "ResultsStore",
    "SampleRecord",
    "TaskCheck",
    "TaskSource",
    "TaskStrength",
    "Verdict",
    "check_model",
    "check_run_dir",
    "grade_patches",
    "latest_results",
    "mean_pass_at_k",
    "measure_strength",
    "open_chat_model",
    "open_model",
    "pass_at_k",
    "patch_sha256",
    "preflight",
    "read_patch",
    "read_predictions",
    "read_results",
    "run_attempt",
    "run_humaneval",
    "run_suite",
    "validate_suite",
]
