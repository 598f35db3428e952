"""Runs: one attempt per task (or per sample), recorded as it finishes, resumable."""

from proctor.run.attempt import run_attempt
from proctor.run.cluster import LOCAL as RAY_LOCAL
from proctor.run.cluster import open_ray, open_ray_verifier
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.executor import Executor, LocalPool
from proctor.run.holdsup import grade_patches
from proctor.run.humaneval import HumanEvalResult, ProblemResult, SampleRecord, run_humaneval
from proctor.run.key import AttemptKey
from proctor.run.passk import mean_pass_at_k, pass_at_k
from proctor.run.predictions import patch_sha256, read_patch, read_predictions
from proctor.run.preflight import check_model, check_run_dir, preflight
from proctor.run.references import References, TaskSource
from proctor.run.results import (
    RESULTS_FILE,
    RUN_FILE,
    AttemptResult,
    ErrorCause,
    Outcome,
    ResultsStore,
    latest_results,
    read_results,
)
from proctor.run.solvers import (
    ModelChoice,
    check_sampling,
    model_dates,
    open_chat_model,
    open_model,
)
from proctor.run.strength import GradedMutant, TaskStrength, Verdict, measure_strength
from proctor.run.suite import run_suite
from proctor.run.validate import TaskCheck, validate_suite

__all__ = [
    "RAY_LOCAL",
    "RESULTS_FILE",
    "RUN_FILE",
    "AttemptContext",
    "AttemptInput",
    "AttemptKey",
    "AttemptOptions",
    "AttemptResult",
    "ErrorCause",
    "Executor",
    "GradedMutant",
    "HumanEvalResult",
    "LocalPool",
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
    "check_sampling",
    "grade_patches",
    "latest_results",
    "mean_pass_at_k",
    "measure_strength",
    "model_dates",
    "open_chat_model",
    "open_model",
    "open_ray",
    "open_ray_verifier",
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
