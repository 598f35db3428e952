"""The phases of an attempt, each returning a typed record of what it found.

:func:`model_phase` lets the model change a sealed checkout (:class:`ModelPhase`);
:func:`quality_phase` reads the change's quality off the grading checkout; :func:`grade_phase`
runs the hidden tests (:class:`~proctor.grade.session.HiddenRun`, recorded as a
:class:`GradePhase`); :func:`missing_at_base` checks a claim that hidden test ids do not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proctor.errors import ProctorError
from proctor.grade import (
    HiddenRun,
    QualityReport,
    Timeouts,
    grade_hidden,
    grade_quality,
    not_found_ids,
    prepare_for_grading,
    write_log,
)
from proctor.model import FollowUp, Problem, Solver, SolverFactory, Submission
from proctor.repo import apply_patch, diff_from_base, read_base_file, sealed_checkout, touched_paths
from proctor.run.context import AttemptContext
from proctor.run.references import TaskSource
from proctor.run.results import Outcome
from proctor.run.solvers import AgentFactory
from proctor.sandbox import ExecResult, Limits, PythonEnv, Sandbox
from proctor.spec import Task
from proctor.testrun import RunOptions, command_for, get_runner, session_env, session_mounts


@dataclass(frozen=True)
class ModelPhase:
    """How the model's attempt ended, and the change it left (empty: not reached)."""

    status: str = ""
    message: str = ""
    confidence: float | None = None
    patch: str = ""
    """The change as a diff from the base commit (also written to ``model.patch``)."""
    first_try: bool | None = None
    """The first answer's edits parsed and applied (edit-format compliance); None: no edit."""


@dataclass(frozen=True)
class GradePhase:
    """What the hidden tests said, as recorded in the result (empty: not reached)."""

    outcome: Outcome = Outcome.UNRESOLVED
    """resolved, unresolved, or tampered when the verdict itself was attacked."""
    sandbox: str = ""
    restored: list[str] = field(default_factory=list)
    f2p_passed: int = 0
    f2p_total: int = 0
    p2p_passed: int = 0
    p2p_total: int = 0
    tests: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)
    canaries: int = 0

    @classmethod
    def of(cls, hidden: HiddenRun) -> GradePhase:
        """The record of one hidden-test run."""
        verdict = hidden.verdict
        if hidden.evidence:
            outcome = Outcome.TAMPERED
        else:
            outcome = Outcome.RESOLVED if verdict.resolved else Outcome.UNRESOLVED
        statuses = {**verdict.pass_to_pass, **verdict.fail_to_pass}
        return cls(
            outcome=outcome,
            sandbox=hidden.sandbox,
            restored=hidden.restored,
            f2p_passed=verdict.f2p_passed,
            f2p_total=len(verdict.fail_to_pass),
            p2p_passed=verdict.p2p_passed,
            p2p_total=len(verdict.pass_to_pass),
            tests={k: v.value for k, v in statuses.items()},
            notes=[*verdict.notes, *hidden.hints],
            integrity=hidden.evidence,
            canaries=hidden.canaries,
        )


def model_phase(
    task: Task,
    ctx: AttemptContext,
    adir: Path,
    source: TaskSource,
    env: PythonEnv,
    sample: int = 0,
    follow_up: FollowUp | None = None,
    earlier_patch: str = "",
) -> ModelPhase:
    """Let the model change a sealed checkout of the base, in the sandbox (an agent draws
    ``sample`` with that sample's seed).

    In a feedback round the checkout starts with the earlier round's change (``earlier_patch``)
    and the model continues its conversation (``follow_up``).
    """
    work = sealed_checkout(source.git_dir, task.base_commit, adir / "work")
    if earlier_patch.strip():
        apply_patch(work, earlier_patch, label="earlier round's patch")
    workdir = adir / "model"
    workdir.mkdir()
    scratch = adir / "model-scratch"
    scratch.mkdir()
    sandbox = _checkout_sandbox(ctx, env, work, scratch)
    run_env = session_env(env, task.environment, work, scratch)

    def run(argv: Sequence[str], timeout: float) -> ExecResult:
        return sandbox.exec(argv, cwd=work, timeout=timeout, env=run_env)

    problem = Problem(
        task.id,
        task.repo,
        task.problem_statement,
        work,
        workdir,
        run,
        task.isolated,
        runner=task.environment.runner,
        test_cmd=tuple(task.environment.test_cmd),
        follow_up=follow_up,
    )
    model = ctx.model
    if isinstance(model, AgentFactory):
        model = model.for_attempt(task, workdir, sample)
    elif isinstance(model, SolverFactory):
        model = model.for_attempt(task, workdir)
    submission = _solve(model, problem)
    patch = diff_from_base(work)
    (adir / "model.patch").write_text(patch, encoding="utf-8")
    return ModelPhase(
        submission.status, submission.message, submission.confidence, patch, submission.first_try
    )


def quality_phase(task: Task, checkout: Path, model_patch: str, gold_patch: str) -> QualityReport:
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


def grade_phase(
    task: Task,
    ctx: AttemptContext,
    adir: Path,
    env: PythonEnv,
    checkout: Path,
    test_patch: str,
    model_patch: str,
    modules: list[str],
) -> HiddenRun:
    """Run the hidden tests on the grading checkout (see :func:`grade_hidden`)."""
    settings = ctx.settings
    limits = Limits(memory_mb=settings.memory_mb)
    return grade_hidden(
        task,
        checkout,
        adir,
        env,
        lambda mounts: ctx.make_sandbox(mounts, limits, settings.sandbox),
        test_patch=test_patch,
        model_patch=model_patch,
        modules=modules,
        timeouts=Timeouts(settings.per_test_timeout_s, settings.test_timeout_s),
    )


def missing_at_base(
    task: Task, ctx: AttemptContext, adir: Path, env: PythonEnv, ids: list[str]
) -> list[str]:
    """Of ``ids``, those pytest cannot collect in the base tree with the hidden tests applied.

    The test run's output is the change's to forge, so a claim that ids do not exist is
    checked in a fresh checkout of the base, which the change never touched.
    """
    source = ctx.references.source(task.id)
    base = sealed_checkout(source.git_dir, task.base_commit, adir / "base-check")
    prepare_for_grading(base, task, source.test_patch)
    scratch = adir / "base-scratch"
    scratch.mkdir()
    sandbox = _checkout_sandbox(ctx, env, base, scratch)
    collect = RunOptions(collect_only=True, quiet=True, cache=False)
    argv = get_runner(task.environment.runner).argv(command_for(task.environment), ids, collect)
    run_env = session_env(env, task.environment, base, scratch)
    done = sandbox.exec(argv, cwd=base, timeout=ctx.settings.test_timeout_s, env=run_env)
    write_log(adir / "base-check.log", done)
    return not_found_ids(f"{done.stdout}\n{done.stderr}", ids, task.environment.runner)


def _solve(model: Solver, problem: Problem) -> Submission:
    try:
        return model.solve(problem)
    except ProctorError as exc:
        return Submission("error", str(exc))


def _checkout_sandbox(
    ctx: AttemptContext, env: PythonEnv, checkout: Path, scratch: Path
) -> Sandbox:
    """A sandbox that may write ``checkout`` and ``scratch`` and read the environment."""
    mounts = session_mounts(env, checkout, scratch)
    limits = Limits(memory_mb=ctx.settings.memory_mb)
    return ctx.make_sandbox(mounts, limits, ctx.settings.sandbox)
