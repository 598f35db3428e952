"""The hidden-test phase of an attempt, whole: protect, plant canaries, run, judge.

1. Protected paths go back to base and the hidden tests are applied (:mod:`.hidden`).
2. Canaries and twins are written into the hidden test files, whose mtimes are then made
   equal (:mod:`.canary`).
3. The config file is the one pytest would pick in the trusted tree; plugin autoload is off
   and the environment's plugins are loaded by name; the boot script starts pytest with the
   checkout first on ``sys.path`` (:mod:`proctor.testrun`). Graded sessions run pytest only:
   the canaries are Python tests.
4. The tests run in the sandbox, hidden test files, the runner's local plugin files and the
   config mounted read-only.
5. The verdict is judged from the runner's report and the exit status against what only
   proctor knows: which tests are canaries, and how they must end (:mod:`.integrity`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from proctor.errors import GradingError, TaskEnvironmentError
from proctor.files import harness_path
from proctor.grade.canary import Canary, CanaryPlan, plan_canaries
from proctor.grade.hidden import (
    TestVerdict,
    file_digests,
    hidden_paths,
    judge,
    prepare_for_grading,
    protected_paths,
    runner_tampering,
)
from proctor.grade.integrity import (
    GuardReport,
    canary_evidence,
    early_twins,
    exit_evidence,
    foreign_modules,
    hints,
    hook_evidence,
    read_guard_report,
)
from proctor.repo import read_base_file, restore_paths
from proctor.sandbox import ExecResult, Mounts, PythonEnv, Sandbox
from proctor.spec import Task
from proctor.testrun import (
    DEFAULT_RUNNER,
    TestReport,
    TestRunner,
    command_for,
    empty_config,
    environment_plugins,
    get_runner,
    locate_config,
    named_plugins,
    pytest_setup,
    run_setup,
    runner_args,
    session_env,
    session_mounts,
    top_level_modules,
)

SandboxMaker = Callable[[Mounts], Sandbox]
BOOT = "grade/proctor_boot.py"


@dataclass(frozen=True)
class Timeouts:
    """How long the tests may run."""

    per_test_s: float
    total_s: float
    setup_s: float = 600.0


@dataclass
class HiddenRun:
    """What the hidden-test phase found."""

    verdict: TestVerdict
    sandbox: str
    restored: list[str]
    evidence: list[str] = field(default_factory=list)
    """Why the verdict's integrity is in doubt (non-empty: tampered)."""
    hints: list[str] = field(default_factory=list)
    timed_out: bool = False
    canaries: int = 0
    output: str = ""
    """The test run's stdout and stderr (the change's to forge: read it as a claim)."""
    setup_s: float = 0.0
    """Seconds the environment's setup commands took (an in-place build of extensions)."""


def grade_hidden(
    task: Task,
    checkout: Path,
    adir: Path,
    env: PythonEnv,
    make_sandbox: SandboxMaker,
    *,
    test_patch: str,
    model_patch: str,
    modules: Sequence[str],
    timeouts: Timeouts,
    rng: random.Random | None = None,
) -> HiddenRun:
    """Run the hidden tests on ``checkout`` (the base plus the change) and judge them.

    Args:
        modules: top-level modules the base tree provides (their imports must come from it).

    Raises:
        PatchError: the hidden tests do not apply (a spec problem).
        EnvironmentBuildError: a setup command failed, or the tests imported the checkout's
            modules from somewhere else (the task's ``pythonpath`` is wrong).
        GradingError: the task's runner is not pytest, or its ``test_cmd`` does not run it.
        SandboxError: the sandbox cannot run at all.
    """
    runner = _runner(task)
    plugins = environment_plugins(env.path, modules)
    restored = prepare_for_grading(checkout, task, test_patch, _tops(plugins))
    owned = sorted(hidden_paths(task, test_patch))
    plan = _plant(checkout, task, owned, rng or random.SystemRandom())
    session = _open_session(task, runner, checkout, adir, env, make_sandbox, owned, modules)
    before = file_digests(checkout, session.guarded)
    setup_env = session_env(env, task.environment, checkout, adir / "scratch")
    setup_started = time.monotonic()
    run_setup(
        session.sandbox,
        task.environment,
        checkout,
        setup_env,
        timeout=timeouts.setup_s,
        log=lambda i, res: write_log(adir / f"setup-{i}.log", res),
    )
    setup_s = round(time.monotonic() - setup_started, 3)
    restored += _unhook_after_setup(checkout, task, test_patch, plugins)
    first = session.run([*task.test_ids, *plan.node_ids], timeouts, "")
    run = HiddenRun(
        judge(task, TestReport(), first.res.returncode),
        session.sandbox.name,
        restored,
        canaries=len(plan.canaries),
        output=f"{first.res.stdout}\n{first.res.stderr}",
        timed_out=first.res.timed_out,
        setup_s=setup_s,
    )
    if run.timed_out:
        return run
    hidden = first.report.statuses_for(task.test_ids)
    early = early_twins(plan, first.report)
    cleared = _alone(session, early, timeouts) if early else set()
    roots = [*task.environment.pythonpath, "."]
    declared = _declared(checkout, session.config, session.guarded, runner)
    run.evidence = [
        *canary_evidence(plan, first.report, hidden, cleared=cleared),
        *exit_evidence(plan, first.res.returncode, first.report, hidden),
        *hook_evidence(first.guard, checkout, roots, declared, runner.files.local_plugins),
        *_origins(first.guard, checkout, task.environment.pythonpath),
    ]
    if file_digests(checkout, session.guarded) != before:
        run.evidence.append("hidden test files changed while the tests ran")
    run.hints = hints(
        f"change reaches into the test runner: {h}"
        for h in runner_tampering(model_patch, runner.files)
    )
    expected = 1 if any(c.expect == "fail" for c in plan.canaries) else 0
    alone = [f"ran alone, {t} reached its end: order-dependent" for t in sorted(cleared)]
    run.verdict = judge(
        task,
        first.report,
        first.res.returncode,
        expected_exit=expected,
        evidence=run.evidence,
        notes=[*first.notes, *alone],
    )
    return run


@dataclass
class _Ran:
    """One graded session's results, as reported (forgeable)."""

    res: ExecResult
    report: TestReport
    notes: list[str]
    guard: GuardReport | None


@dataclass
class _Session:
    """How to start graded pytest sessions on one prepared checkout."""

    task: Task
    runner: TestRunner
    checkout: Path
    adir: Path
    sandbox: Sandbox
    env: dict[str, str]
    guarded: list[str]
    config: Path
    rootdir: Path
    plugins: Sequence[str]
    modules: Sequence[str]

    def run(self, ids: Sequence[str], timeouts: Timeouts, tag: str) -> _Ran:
        """Run ``ids``; the report and log are kept in the attempt folder (``tag`` marks them)."""
        scratch = self.adir / "scratch"
        name = self.runner.files.report
        written, guard = scratch / f"{tag}{name}", scratch / f"{tag}guard.json"
        setup = pytest_setup(
            boot=harness_path(BOOT),
            checkout=self.checkout,
            pythonpath=self.task.environment.pythonpath,
            config=self.config,
            rootdir=self.rootdir,
            plugins=self.plugins,
            extra_args=[*runner_args(command_for(self.task.environment)), "--tb=short"],
            results=written,
            guard_report=guard,
            modules=self.modules,
            per_test_timeout_s=timeouts.per_test_s,
            test_ids=ids,
        )
        env = self.env | setup.env
        res = self.sandbox.exec(setup.argv, cwd=self.checkout, timeout=timeouts.total_s, env=env)
        write_log(self.adir / f"{tag}tests.log", res)
        text = _read(written)
        if text is not None:
            (self.adir / f"{tag}{name}").write_text(text, encoding="utf-8")
        report, notes = _parse(self.runner, text)
        return _Ran(res, report, notes, read_guard_report(_read(guard)))


def _open_session(
    task: Task,
    runner: TestRunner,
    checkout: Path,
    adir: Path,
    env: PythonEnv,
    make_sandbox: SandboxMaker,
    owned: Sequence[str],
    modules: Sequence[str],
) -> _Session:
    """Locate the config, mount what the tests may not change read-only, open the sandbox.

    Raises:
        GradingError: the task's ``test_cmd`` does not run pytest.
    """
    runner_args(command_for(task.environment))
    trusted = adir / "runner"
    trusted.mkdir()
    config, rootdir = _config(checkout, trusted, task, owned)
    scratch = adir / "scratch"
    scratch.mkdir()
    guarded = _guarded(checkout, owned, config, runner)
    # What the trusted config or test_cmd loads with -p is not named a second time.
    named = named_plugins(config, command_for(task.environment))
    plugins = environment_plugins(env.path, modules, named)
    boot = harness_path(BOOT)
    readonly = (boot.parent, trusted, *(checkout / p for p in guarded))
    sandbox = make_sandbox(session_mounts(env, checkout, scratch, readonly))
    run_env = session_env(env, task.environment, checkout, scratch, on_path=False)
    return _Session(
        task, runner, checkout, adir, sandbox, run_env, guarded, config, rootdir, plugins, modules
    )


def _alone(session: _Session, twins: Sequence[Canary], timeouts: Timeouts) -> set[str]:
    """Twins that reach their last line when run on their own: the full session's early
    failure came from the tests before them, not from their body."""
    again = session.run([t.node_id for t in twins], timeouts, "alone-")
    return {t.node_id for t in twins if t.marker in again.report.failure(t.node_id)}


def _runner(task: Task) -> TestRunner:
    """The task's runner, which must be pytest: canaries and twins are Python tests."""
    runner = get_runner(task.environment.runner)
    if runner.name != DEFAULT_RUNNER:
        raise GradingError(
            f"runner {runner.name}: graded sessions run {DEFAULT_RUNNER} only (canaries are "
            "Python tests)"
        )
    return runner


def _tops(plugins: Sequence[str]) -> list[str]:
    return sorted({p.split(".", 1)[0] for p in plugins})


def _plant(checkout: Path, task: Task, owned: Sequence[str], rng: random.Random) -> CanaryPlan:
    """Write canaries into the F2P test files; give every hidden test file one mtime."""
    texts = {}
    for node_id in task.hidden_tests.fail_to_pass:
        path = node_id.split("::", 1)[0]
        if path not in texts and (checkout / path).is_file():
            texts[path] = (checkout / path).read_text(encoding="utf-8", errors="replace")
    plan = plan_canaries(texts, task.hidden_tests.fail_to_pass, rng, avoid=task.test_ids)
    for path, text in plan.files.items():
        (checkout / path).write_text(text, encoding="utf-8")
    stamp = time.time()
    for path in {*owned, *plan.files}:
        if (checkout / path).is_file():
            os.utime(checkout / path, (stamp, stamp))
    return plan


def _config(checkout: Path, trusted: Path, task: Task, owned: Sequence[str]) -> tuple[Path, Path]:
    """(config file, rootdir): pytest's pick in the base tree plus the hidden tests."""

    def read(path: str) -> str | None:
        if path in owned:
            f = checkout / path
            return f.read_text(encoding="utf-8", errors="replace") if f.is_file() else None
        data = read_base_file(checkout, path)
        return data.decode("utf-8", errors="replace") if data is not None else None

    files = [n.split("::", 1)[0] for n in task.test_ids]
    found = locate_config(read, files)
    if found is None:
        return empty_config(trusted), checkout
    if found not in owned:
        restore_paths(checkout, [found])
    path = checkout / found
    return path, path.parent


def _guarded(checkout: Path, owned: Sequence[str], config: Path, runner: TestRunner) -> list[str]:
    """Files mounted read-only over the checkout: hidden tests, local plugins, the config."""
    plugins = [str(p.relative_to(checkout)) for p in _local_plugins(checkout, runner)]
    extra = [str(config.relative_to(checkout))] if config.is_relative_to(checkout) else []
    return sorted({p for p in [*owned, *plugins, *extra] if (checkout / p).is_file()})


def _local_plugins(checkout: Path, runner: TestRunner) -> list[Path]:
    """The repository's own plugin files, anywhere in the checkout."""
    return [p for name in sorted(runner.files.local_plugins) for p in checkout.rglob(name)]


def _unhook_after_setup(
    checkout: Path, task: Task, test_patch: str, plugins: Sequence[str]
) -> list[str]:
    """Setup commands run the checkout's code: undo any runner hook they left behind."""
    if not task.environment.setup:
        return []
    owned = hidden_paths(task, test_patch)
    hooks = [
        p for p in protected_paths(checkout, task, test_patch, _tops(plugins)) if p not in owned
    ]
    return restore_paths(checkout, hooks)


def _parse(runner: TestRunner, text: str | None) -> tuple[TestReport, list[str]]:
    """The report's statuses, or none and why."""
    if text is None:
        return TestReport(), [f"the runner wrote no report ({runner.files.report})"]
    try:
        return runner.parse(text), []
    except GradingError as exc:
        return TestReport(), [str(exc)]


def _origins(guard: GuardReport | None, checkout: Path, pythonpath: Sequence[str]) -> list[str]:
    """Evidence when the change removed a module so the tests imported an installed copy.

    Raises:
        TaskEnvironmentError: the checkout provides the module, yet the tests imported it
            from elsewhere: the task's environment is wrong, whatever the change did.
    """
    evidence = []
    present = set(top_level_modules(checkout, pythonpath))
    for name, where in foreign_modules(guard, checkout):
        if name in present:
            raise TaskEnvironmentError(
                f"the tests imported {name} from {where}, not from the checkout; "
                "fix the task's environment.pythonpath (or remove the installed copy)"
            )
        evidence.append(f"the change removed {name}, so the tests imported {where}")
    return evidence


def _declared(checkout: Path, config: Path, guarded: Sequence[str], runner: TestRunner) -> str:
    """The text of the config and local plugin files (found once, for the read-only mounts):
    where a repository names its own plugins."""
    local = set(runner.files.local_plugins)
    plugins = [checkout / p for p in guarded if PurePosixPath(p).name in local]
    texts = [config.read_text(encoding="utf-8", errors="replace")] if config.is_file() else []
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in plugins]
    return "\n".join(texts)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def write_log(path: Path, res: ExecResult) -> None:
    """Write a command, its exit status and its output to ``path``."""
    head = f"$ {' '.join(res.argv)}\n# exit {res.returncode} in {res.duration_s:.2f}s"
    head += " (timed out)" if res.timed_out else ""
    path.write_text(f"{head}\n{res.stdout}\n--- stderr ---\n{res.stderr}", encoding="utf-8")
