"""One attempt: sealed checkout -> model -> hidden-test grading -> one recorded outcome."""

from __future__ import annotations

import shutil
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from proctor.errors import EnvironmentBuildError, PatchError, ProctorError
from proctor.grade.hidden import prepare_for_grading
from proctor.grade.notfound import not_found_ids
from proctor.grade.quality import QualityReport, grade_quality
from proctor.grade.session import HiddenRun, Timeouts, grade_hidden, write_log
from proctor.model import Model, ModelFactory, Problem, Submission
from proctor.repo import (
    apply_patch,
    diff_from_base,
    read_base_file,
    sealed_checkout,
    touched_paths,
)
from proctor.run.references import References, TaskSource
from proctor.run.results import AttemptResult, ErrorCause, Outcome
from proctor.sandbox import LocalSandbox, Mounts, PythonEnv, build_env
from proctor.sandbox.base import ExecResult, Limits, Sandbox
from proctor.settings import Settings
from proctor.spec import Task
from proctor.testrun import top_level_modules


@dataclass
class _Clock:
    marks: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.monotonic)

    def lap(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.marks[name] = round(now - since, 3)
        return now


class _Abort(Exception):
    """Ends an attempt early with the given outcome."""

    def __init__(self, outcome: Outcome, message: str, fields: dict[str, object]) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.fields = fields


NOT_APPLIED = frozenset({"patch-failed", "malformed"})
"""Submission statuses whose edits never reached the checkout as intended."""

SCRATCH_DIRS = ("work", "checkout", "scratch", "model-scratch", "base-check", "base-scratch")
"""An attempt folder's checkouts and scratch space, removed when the attempt ends."""

SandboxFactory = Callable[[Mounts, Limits, str], Sandbox]


def _default_sandbox(mounts: Mounts, limits: Limits, backend: str) -> Sandbox:
    return LocalSandbox(mounts, limits, backend=backend)


@dataclass
class AttemptContext:
    """Everything an attempt needs besides the task."""

    model: Model | ModelFactory
    """One model for every attempt, or a factory making one per attempt."""
    references: References
    settings: Settings
    make_sandbox: SandboxFactory = _default_sandbox
    keep_checkout: bool = False


def run_attempt(task: Task, ctx: AttemptContext, attempt_dir: Path) -> AttemptResult:
    """Run one attempt to exactly one outcome; never raises for a task-level failure."""
    attempt_dir = attempt_dir.resolve()  # the sandbox and pytest run elsewhere
    if attempt_dir.exists():
        shutil.rmtree(attempt_dir)  # an unfinished earlier try: start it over
    attempt_dir.mkdir(parents=True)
    started = datetime.now(timezone.utc)
    clock = _Clock()
    fields: dict[str, object] = {}
    try:
        fields = _attempt(task, ctx, attempt_dir, clock)
    except _Abort as exc:
        fields = {**exc.fields, "outcome": exc.outcome, "message": str(exc)}
    except ProctorError as exc:  # infrastructure: repository, environment, sandbox
        fields = {"outcome": Outcome.ENVIRONMENT_ERROR, "message": str(exc)}
    except Exception as exc:  # a bug of ours must not end the run; keep the trace
        (attempt_dir / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
        fields = {
            "outcome": Outcome.ENVIRONMENT_ERROR,
            "message": f"internal error: {exc!r}",
            "error_cause": ErrorCause.INTERNAL,
        }
    finally:
        if not ctx.keep_checkout:
            for name in SCRATCH_DIRS:
                shutil.rmtree(attempt_dir / name, ignore_errors=True)
    clock.marks["total"] = round(time.monotonic() - clock.start, 3)
    outcome = fields.pop("outcome")
    if outcome is Outcome.ENVIRONMENT_ERROR:
        fields.setdefault("error_cause", ErrorCause.INFRASTRUCTURE)
    return AttemptResult.model_validate(
        {
            "task_id": task.id,
            "model": ctx.model.name,
            "outcome": outcome,
            "resolved": outcome is Outcome.RESOLVED,
            "durations": clock.marks,
            "started_at": started,
            "finished_at": datetime.now(timezone.utc),
            **fields,
        }
    )


def _attempt(task: Task, ctx: AttemptContext, adir: Path, clock: _Clock) -> dict[str, object]:
    t = clock.start
    source = ctx.references.source(task.id)
    env = build_env(task.environment, task.repo, ctx.settings.envs_dir, log=adir / "env.log")
    t = clock.lap("environment", t)
    submission, model_patch = _model_phase(task, ctx, adir, source, env)
    t = clock.lap("model", t)
    fields: dict[str, object] = {"model_status": submission.status, "message": submission.message}
    if submission.confidence is not None:
        fields["confidence"] = submission.confidence
    if submission.status in NOT_APPLIED:
        raise _Abort(Outcome.PATCH_FAILED, submission.message, fields)
    if submission.status == "error":  # the model's API failed past retries: infrastructure
        fields["error_cause"] = ErrorCause.MODEL_API
        raise _Abort(Outcome.ENVIRONMENT_ERROR, f"model error: {submission.message}", fields)
    # Grade in a fresh sealed checkout holding only the change: nothing the model left in
    # .git, in ignored files or in caches can reach the test run.
    checkout = sealed_checkout(source.git_dir, task.base_commit, adir / "checkout")
    modules = top_level_modules(checkout, task.environment.pythonpath)
    try:
        apply_patch(checkout, model_patch, label="model patch")
    except PatchError as exc:
        raise _Abort(Outcome.PATCH_FAILED, str(exc), fields) from None
    t = clock.lap("checkout", t)
    report = (
        _quality(task, checkout, model_patch, source.gold_patch) if ctx.settings.quality else None
    )
    if report is not None:
        fields["quality"] = report
    t = clock.lap("quality", t)
    try:
        hidden = _test_phase(
            task, ctx, adir, env, checkout, source.test_patch, model_patch, modules
        )
    except PatchError as exc:
        raise EnvironmentBuildError(f"{task.id}: {exc}") from None
    fields |= _hidden_fields(hidden)
    if hidden.timed_out:
        raise _Abort(Outcome.TIMEOUT, f"tests ran past {ctx.settings.test_timeout_s:.0f}s", fields)
    fields |= _tests_not_found(task, ctx, adir, env, hidden.output, fields)
    if report is not None:
        fields["holds_up"] = report.holds_up(fields["outcome"] is Outcome.RESOLVED)
    clock.lap("tests", t)
    return fields


def _quality(task: Task, checkout: Path, model_patch: str, gold_patch: str) -> QualityReport:
    """Lint, conventions and hygiene of the change, read off the grading checkout."""
    paths = touched_paths(model_patch)
    base: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for rel in paths:
        old = read_base_file(checkout, rel)
        base[rel] = old.decode("utf-8", errors="replace") if old is not None else None
        now = checkout / rel
        after[rel] = now.read_text(errors="replace") if now.is_file() else None
    ref_lines = sum(
        1
        for line in gold_patch.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )
    return grade_quality(
        checkout,
        base,
        after,
        reference_paths=touched_paths(gold_patch),
        reference_lines=ref_lines,
        lint_settings=task.lint,
    )


def _model_phase(
    task: Task, ctx: AttemptContext, adir: Path, source: TaskSource, env: PythonEnv
) -> tuple[Submission, str]:
    work = sealed_checkout(source.git_dir, task.base_commit, adir / "work")
    workdir = adir / "model"
    workdir.mkdir()
    scratch = adir / "model-scratch"
    scratch.mkdir()
    sandbox = _sandbox(ctx, env, work, scratch)
    run_env = _run_env(task, env, work, scratch)

    def run(argv: Sequence[str], timeout: float) -> ExecResult:
        return sandbox.exec(argv, cwd=work, timeout=timeout, env=run_env)

    problem = Problem(task.id, task.repo, task.problem_statement, work, workdir, run, task.isolated)
    model = ctx.model
    if isinstance(model, ModelFactory):
        model = model.for_attempt(task, workdir)
    submission = _solve(model, problem)
    model_patch = diff_from_base(work)
    (adir / "model.patch").write_text(model_patch, encoding="utf-8")
    return submission, model_patch


def _test_phase(
    task: Task,
    ctx: AttemptContext,
    adir: Path,
    env: PythonEnv,
    checkout: Path,
    test_patch: str,
    model_patch: str,
    modules: list[str],
) -> HiddenRun:
    limits = Limits(memory_mb=ctx.settings.memory_mb)
    return grade_hidden(
        task,
        checkout,
        adir,
        env,
        lambda mounts: ctx.make_sandbox(mounts, limits, ctx.settings.sandbox),
        test_patch=test_patch,
        model_patch=model_patch,
        modules=modules,
        timeouts=Timeouts(ctx.settings.per_test_timeout_s, ctx.settings.test_timeout_s),
    )


def _hidden_fields(hidden: HiddenRun) -> dict[str, object]:
    verdict = hidden.verdict
    if hidden.evidence:
        outcome = Outcome.TAMPERED
    else:
        outcome = Outcome.RESOLVED if verdict.resolved else Outcome.UNRESOLVED
    statuses = {**verdict.pass_to_pass, **verdict.fail_to_pass}
    return {
        "sandbox": hidden.sandbox,
        "restored": hidden.restored,
        "outcome": outcome,
        "f2p_passed": verdict.f2p_passed,
        "f2p_total": len(verdict.fail_to_pass),
        "p2p_passed": verdict.p2p_passed,
        "p2p_total": len(verdict.pass_to_pass),
        "tests": {k: v.value for k, v in statuses.items()},
        "notes": [*verdict.notes, *hidden.hints],
        "integrity": hidden.evidence,
        "canaries": hidden.canaries,
    }


def _tests_not_found(
    task: Task,
    ctx: AttemptContext,
    adir: Path,
    env: PythonEnv,
    output: str,
    fields: dict[str, object],
) -> dict[str, object]:
    """Hidden test ids pytest could not find, said as such rather than as mere failures.

    The test run's output is the change's to forge, so a claim is confirmed by collecting the
    ids in a fresh checkout of the base with the hidden tests applied, which the change never
    touched. Ids missing there too mean the task is broken: an environment-error that is not
    the model's. Ids that exist there were made to vanish by the change: graded as usual,
    with the ids named in the message.
    """
    claimed = not_found_ids(output, task.test_ids)
    if not claimed:
        return {}
    confirmed = _missing_at_base(task, ctx, adir, env, claimed)
    missing = confirmed or claimed
    f2p = set(task.hidden_tests.fail_to_pass)
    message = "; ".join(f"{'F2P' if t in f2p else 'P2P'} test id not found: {t}" for t in missing)
    found: dict[str, object] = {"tests_not_found": missing, "message": message}
    if not confirmed:
        return found
    found["error_cause"] = ErrorCause.TASK
    raise _Abort(Outcome.ENVIRONMENT_ERROR, message, fields | found)


def _missing_at_base(
    task: Task, ctx: AttemptContext, adir: Path, env: PythonEnv, ids: list[str]
) -> list[str]:
    """Of ``ids``, those pytest cannot collect in the base tree with the hidden tests applied."""
    source = ctx.references.source(task.id)
    base = sealed_checkout(source.git_dir, task.base_commit, adir / "base-check")
    prepare_for_grading(base, task, source.test_patch)
    scratch = adir / "base-scratch"
    scratch.mkdir()
    sandbox = _sandbox(ctx, env, base, scratch)
    argv = [*task.environment.test_cmd, "-p", "no:cacheprovider", "--collect-only", "-q", *ids]
    run_env = _run_env(task, env, base, scratch)
    done = sandbox.exec(argv, cwd=base, timeout=ctx.settings.test_timeout_s, env=run_env)
    write_log(adir / "base-check.log", done)
    return not_found_ids(f"{done.stdout}\n{done.stderr}", ids)


def _solve(model: Model, problem: Problem) -> Submission:
    try:
        return model.solve(problem)
    except ProctorError as exc:
        return Submission("error", str(exc))


def _sandbox(ctx: AttemptContext, env: PythonEnv, checkout: Path, scratch: Path) -> Sandbox:
    mounts = Mounts(writable=(checkout, scratch), readonly=env.readonly_paths())
    limits = Limits(memory_mb=ctx.settings.memory_mb)
    return ctx.make_sandbox(mounts, limits, ctx.settings.sandbox)


def _run_env(task: Task, env: PythonEnv, checkout: Path, scratch: Path) -> dict[str, str]:
    run_env = {**env.env_vars(checkout, task.environment.pythonpath), **task.environment.env}
    return run_env | {"HOME": str(scratch), "TMPDIR": "/tmp"}
