"""One attempt: sealed checkout -> model -> hidden-test grading -> one recorded outcome.

Each phase (:mod:`proctor.run.phases`) returns a typed record; :func:`run_attempt` builds the
:class:`~proctor.run.results.AttemptResult` from those records field by field, so a field that
does not exist is an error in our code, not a value silently dropped.
"""

from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from proctor.errors import EnvironmentBuildError, PatchError, ProctorError, TaskEnvironmentError
from proctor.grade import QualityReport, not_found_ids
from proctor.repo import apply_patch, sealed_checkout
from proctor.run.context import AttemptContext, AttemptInput
from proctor.run.feedback import classify, follow_up
from proctor.run.phases import (
    GradePhase,
    ModelPhase,
    grade_phase,
    missing_at_base,
    model_phase,
    quality_phase,
)
from proctor.run.references import TaskSource
from proctor.run.results import AttemptResult, ErrorCause, Outcome
from proctor.run.solvers import AgentFactory
from proctor.sandbox import PythonEnv, env_provider, hold_env, provider_for
from proctor.spec import Task
from proctor.testrun import top_level_modules

NOT_APPLIED = frozenset({"patch-failed", "malformed"})
"""Submission statuses whose edits never reached the checkout as intended."""

SCRATCH_DIRS = ("work", "checkout", "scratch", "model-scratch", "base-check", "base-scratch")
"""An attempt folder's checkouts and scratch space, removed when the attempt ends."""


@dataclass
class _Clock:
    marks: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.monotonic)

    def lap(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.marks[name] = round(now - since, 3)
        return now


@dataclass
class _Found:
    """What an attempt has found so far; each phase fills in its part."""

    model: ModelPhase = field(default_factory=ModelPhase)
    quality: QualityReport | None = None
    grade: GradePhase = field(default_factory=GradePhase)
    tests_not_found: list[str] = field(default_factory=list)
    image_digest: str = ""


@dataclass(frozen=True)
class _End:
    """How an attempt ended."""

    outcome: Outcome
    message: str
    cause: ErrorCause | None = None
    """For an environment-error; infrastructure when not said."""
    holds_up: bool = False


class _Abort(Exception):
    """Ends an attempt early, keeping what its phases found so far."""

    def __init__(self, end: _End) -> None:
        super().__init__(end.message)
        self.end = end


def run_attempt(attempt: AttemptInput, ctx: AttemptContext, attempt_dir: Path) -> AttemptResult:
    """Run one attempt to exactly one outcome; never raises for a task-level failure.

    ``attempt`` is plain data (it may have come from another process); ``ctx`` holds the live
    model, the repositories and the sandbox factory of this process.
    """
    adir = attempt_dir.resolve()  # the sandbox and pytest run elsewhere
    if adir.exists():
        shutil.rmtree(adir)  # an unfinished earlier try: start it over
    adir.mkdir(parents=True)
    started = datetime.now(timezone.utc)
    clock = _Clock()
    found = _Found()
    try:
        end = _attempt(attempt, ctx, adir, clock, found)
    except _Abort as exc:
        end = exc.end
    except TaskEnvironmentError as exc:  # the task's spec, not the machine: never retried
        found, end = _Found(), _End(Outcome.ENVIRONMENT_ERROR, str(exc), ErrorCause.TASK)
    except ProctorError as exc:  # infrastructure: repository, environment, sandbox
        found, end = _Found(), _End(Outcome.ENVIRONMENT_ERROR, str(exc))
    except Exception as exc:  # a bug of ours must not end the run; keep the trace
        (adir / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
        message = f"internal error: {exc!r}"
        found, end = _Found(), _End(Outcome.ENVIRONMENT_ERROR, message, ErrorCause.INTERNAL)
    finally:
        if not ctx.options.keep_checkout:
            for name in SCRATCH_DIRS:
                shutil.rmtree(adir / name, ignore_errors=True)
    clock.marks["total"] = round(time.monotonic() - clock.start, 3)
    result = _result(attempt, ctx.model.name, end, found, clock.marks, started)
    if isinstance(ctx.model, AgentFactory):  # how the sample was drawn (baselines: not)
        temperature, seed = ctx.model.sampling(attempt.key.sample)
        result = result.model_copy(update={"temperature": temperature, "seed": seed})
    return result


def _attempt(
    attempt: AttemptInput, ctx: AttemptContext, adir: Path, clock: _Clock, found: _Found
) -> _End:
    task = attempt.task
    t = clock.start
    source = ctx.references.source(task.id)
    provider = env_provider(provider_for(ctx.settings.sandbox), ctx.settings.envs_dir)
    env = provider.build(task.environment, task.repo, as_of=task.resolve_date, log=adir / "env.log")
    found.image_digest = env.image_id
    t = clock.lap("environment", t)
    with hold_env(env):  # `proctor env prune` leaves an environment in use alone
        return _graded(attempt, ctx, adir, clock, found, source, env, t)


def _graded(
    attempt: AttemptInput,
    ctx: AttemptContext,
    adir: Path,
    clock: _Clock,
    found: _Found,
    source: TaskSource,
    env: PythonEnv,
    t: float,
) -> _End:
    task, sample, feedback = attempt.task, attempt.key.sample, attempt.feedback
    if feedback is None:
        found.model = model_phase(task, ctx, adir, source, env, sample)
    else:
        follow = follow_up(feedback)
        found.model = model_phase(
            task, ctx, adir, source, env, sample, follow, feedback.previous_patch
        )
    t = clock.lap("model", t)
    _check_submission(found.model)
    # Grade in a fresh sealed checkout holding only the change: nothing the model left in
    # .git, in ignored files or in caches can reach the test run.
    checkout = sealed_checkout(source.git_dir, task.base_commit, adir / "checkout")
    modules = top_level_modules(checkout, task.environment.pythonpath)
    patch = found.model.patch
    try:
        apply_patch(checkout, patch, label="model patch")
    except PatchError as exc:
        raise _Abort(_End(Outcome.PATCH_FAILED, str(exc))) from None
    t = clock.lap("checkout", t)
    if ctx.settings.quality:
        found.quality = quality_phase(task, checkout, patch, source.gold_patch)
    t = clock.lap("quality", t)
    try:
        hidden = grade_phase(task, ctx, adir, env, checkout, source.test_patch, patch, modules)
    except PatchError as exc:
        raise EnvironmentBuildError(f"{task.id}: {exc}") from None
    found.grade = GradePhase.of(hidden)
    if task.environment.setup:  # e.g. extensions built in place: part of "tests", shown apart
        clock.marks["setup"] = hidden.setup_s
    if hidden.timed_out:
        timeout = ctx.settings.test_timeout_s
        raise _Abort(_End(Outcome.TIMEOUT, f"tests ran past {timeout:.0f}s"))
    message = found.model.message
    claimed = not_found_ids(hidden.output, task.test_ids, task.environment.runner)
    if claimed:
        message = _tests_not_found(task, ctx, adir, env, claimed, found)
    outcome = found.grade.outcome
    holds = found.quality.holds_up(outcome is Outcome.RESOLVED) if found.quality else False
    clock.lap("tests", t)
    return _End(outcome, message, holds_up=holds)


def _check_submission(model: ModelPhase) -> None:
    """End the attempt where the model's edits never applied or its API failed."""
    if model.status in NOT_APPLIED:
        raise _Abort(_End(Outcome.PATCH_FAILED, model.message))
    if model.status == "error":  # the model's API failed past retries: infrastructure
        message = f"model error: {model.message}"
        raise _Abort(_End(Outcome.ENVIRONMENT_ERROR, message, ErrorCause.MODEL_API))


def _tests_not_found(
    task: Task,
    ctx: AttemptContext,
    adir: Path,
    env: PythonEnv,
    claimed: list[str],
    found: _Found,
) -> str:
    """Hidden test ids pytest could not find, said as such rather than as mere failures.

    The test run's output is the change's to forge, so a claim is confirmed by collecting the
    ids in a fresh checkout of the base with the hidden tests applied, which the change never
    touched. Ids missing there too mean the task is broken: an environment-error that is not
    the model's. Ids that exist there were made to vanish by the change: graded as usual,
    with the ids named in the message (returned).
    """
    confirmed = missing_at_base(task, ctx, adir, env, claimed)
    found.tests_not_found = confirmed or claimed
    f2p = set(task.hidden_tests.fail_to_pass)
    message = "; ".join(
        f"{'F2P' if t in f2p else 'P2P'} test id not found: {t}" for t in found.tests_not_found
    )
    if confirmed:
        raise _Abort(_End(Outcome.ENVIRONMENT_ERROR, message, ErrorCause.TASK))
    return message


def _result(
    attempt: AttemptInput,
    model: str,
    end: _End,
    found: _Found,
    durations: dict[str, float],
    started: datetime,
) -> AttemptResult:
    key, ran, graded = attempt.key, found.model, found.grade
    cause = end.cause
    if end.outcome is Outcome.ENVIRONMENT_ERROR and cause is None:
        cause = ErrorCause.INFRASTRUCTURE
    return AttemptResult(
        task_id=key.task_id,
        model=model,
        outcome=end.outcome,
        resolved=end.outcome is Outcome.RESOLVED,
        holds_up=end.holds_up,
        f2p_passed=graded.f2p_passed,
        f2p_total=graded.f2p_total,
        p2p_passed=graded.p2p_passed,
        p2p_total=graded.p2p_total,
        message=end.message,
        durations=durations,
        started_at=started,
        finished_at=datetime.now(timezone.utc),
        sandbox=graded.sandbox,
        model_status=ran.status,
        confidence=ran.confidence,
        restored=graded.restored,
        tests=graded.tests,
        notes=graded.notes,
        integrity=graded.integrity,
        canaries=graded.canaries,
        quality=found.quality,
        error_cause=cause,
        tries=attempt.tries,
        patch_sha256=key.patch_sha256,
        tests_not_found=found.tests_not_found,
        sample=key.sample,
        round=key.round,
        image_digest=found.image_digest,
        feedback=_feedback_class(attempt, ran, end.outcome),
        edits_first_try=ran.first_try,
    )


def _feedback_class(attempt: AttemptInput, ran: ModelPhase, outcome: Outcome) -> str:
    """How a feedback round was answered; '' in round 0 (and where the model never ran)."""
    if attempt.feedback is None or not ran.status:
        return ""
    changed = ran.patch != attempt.feedback.previous_patch
    return classify(attempt.feedback.kind, ran.status, changed, outcome)
