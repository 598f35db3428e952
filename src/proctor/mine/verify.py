"""Verify a candidate by running its tests: before the fix (tests only) and after it.

FAIL_TO_PASS are the tests that fail (or error, or are missing) before and pass after;
PASS_TO_PASS pass in both. Each state runs twice and a test whose status differs between the
two runs of a state is flaky and left out. Every run goes through the sandbox: the venv
read-only, the checkout and a scratch folder (where the runner writes its report) writable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from proctor.errors import GradingError, PatchError, SetupError
from proctor.files import read_text
from proctor.mine.testfiles import python_files_of, runnable_files
from proctor.repo import apply_patch, reference_patches, sealed_checkout
from proctor.sandbox import ExecResult, Limits, Mounts, PythonEnv, Sandbox, open_sandbox
from proctor.settings import Settings
from proctor.spec import Environment, Task
from proctor.testrun import (
    DEFAULT_RUNNER,
    RunOptions,
    Status,
    TestReport,
    command_for,
    environment_plugins,
    get_runner,
    locate_config,
    named_plugins,
    plugin_args,
    run_setup,
    session_env,
    session_mounts,
    top_level_modules,
)

SandboxFactory = Callable[[Mounts, Limits, str], Sandbox]
"""Makes the sandbox for one checkout (a seam: tests count or replace it)."""

_SHOWN = 3

PASSED = Status.PASSED.value
SKIPPED = Status.SKIPPED.value
MISSING = Status.MISSING.value
FAILING = frozenset({Status.FAILED.value, Status.ERROR.value, MISSING})
"""Statuses that count as failing before the fix (missing: the test did not exist or load)."""


def local_sandbox(mounts: Mounts, limits: Limits, backend: str) -> Sandbox:
    """The default :data:`SandboxFactory`: a :class:`LocalSandbox`."""
    return open_sandbox(backend, mounts, limits)


@dataclass(frozen=True)
class CandidateCheck:
    """What the test runs say about a candidate; accepted when ``reason`` is None."""

    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    reason: str | None = None
    unselectable: list[str] = field(default_factory=list)
    """Tests that passed in whole-file runs but not when run by id, as graded: left out."""
    vanished: list[str] = field(default_factory=list)
    """Tests that passed before the fix and were not there after it (in the first runs)."""
    uncollected: list[str] = field(default_factory=list)
    """Test files that did not load after the fix while others did: left out."""


def _listed(ids: Sequence[str]) -> str:
    more = f" (+{len(ids) - _SHOWN} more)" if len(ids) > _SHOWN else ""
    return ", ".join(ids[:_SHOWN]) + more


def clock_made(test_id: str, today: date) -> bool:
    """Whether ``test_id`` names ``today``'s date (ISO, month-first or day-first, with ``-`` or
    ``/``): a parameter made from the clock, so no later run has that id."""
    y, m, d = f"{today.year:04d}", f"{today.month:02d}", f"{today.day:02d}"
    return any(
        form in test_id for sep in "-/" for form in (sep.join((y, m, d)), sep.join((m, d, y)),
                                                    sep.join((d, m, y)))
    )  # fmt: skip


def judge_runs(
    before: Sequence[Mapping[str, str]],
    after: Sequence[Mapping[str, str]],
    today: date | None = None,
    unloaded_before: Set[str] = frozenset(),
) -> CandidateCheck:
    """FAIL_TO_PASS, PASS_TO_PASS and flaky tests from repeated runs of both states.

    A test whose status differs between runs of the same state is flaky and dropped, and so is
    one whose id names ``today`` (:func:`clock_made`). The candidate is rejected when the fix
    breaks a test that passed before (it fails, or vanishes: ``vanished``, which a second run
    may show to be an id that changes from run to run), when a test missing before (a new one)
    does not pass after, or when no test goes from failing to passing. Tests failing in both
    states, and skipped ones, are left out silently; so is a test that fails after the fix
    in a file that did not load before it (``unloaded_before``: its module imports what the
    fix adds, so its old tests were missing too, and one failing after failed before), unless
    no test goes from failing to passing.
    """
    ids = list(dict.fromkeys(t for run in [*after, *before] for t in run))
    flaky = [
        t
        for t in ids
        if any(len({run.get(t, MISSING) for run in runs}) > 1 for runs in (before, after))
        or (today is not None and clock_made(t, today))
    ]
    f2p: list[str] = []
    p2p: list[str] = []
    broken: list[str] = []
    vanished: list[str] = []
    still_failing: list[str] = []
    late: list[str] = []
    for test in ids:
        if test in flaky:
            continue
        was, now = before[0].get(test, MISSING), after[0].get(test, MISSING)
        if now == PASSED and was == PASSED:
            p2p.append(test)
        elif now == PASSED and was in FAILING:
            f2p.append(test)
        elif now == PASSED:
            continue  # skipped before: neither
        elif was == PASSED and now == MISSING:
            vanished.append(test)
        elif was == PASSED and now != SKIPPED:
            broken.append(test)
        elif was == MISSING and now != SKIPPED:
            (late if _file(test) in unloaded_before else still_failing).append(test)
    reason = None
    if broken or vanished:
        reason = f"the fix breaks tests that passed before: {_listed(broken + vanished)}"
    elif still_failing or (late and not f2p):
        reason = f"tests fail after the fix: {_listed(still_failing or late)}"
    elif not f2p:
        reason = "no FAIL_TO_PASS test" + (f" (flaky: {_listed(flaky)})" if flaky else "")
    return CandidateCheck(sorted(f2p), sorted(p2p), sorted(flaky), reason, vanished=vanished)


def _file(test_id: str) -> str:
    return test_id.split("::", 1)[0]


@dataclass(frozen=True)
class PytestRun:
    """One run of some test files."""

    report: TestReport | None
    returncode: int
    timed_out: bool
    tail: str = ""
    output: str = ""
    """Its whole console output (stdout, then stderr)."""

    def problem(self, *, after: bool) -> str | None:
        """Why this run gives no usable statuses (collection errors count only ``after``)."""
        if self.timed_out:
            return "the test run timed out"
        if self.report is None:
            return f"no report (exit {self.returncode}): {self.tail}".rstrip(": ")
        if self.returncode in (3, 4):
            return f"pytest exited {self.returncode}: {self.tail}".rstrip(": ")
        if after and self.report.collection_errors:
            return f"collection error in {_listed(self.report.collection_errors)}"
        if after and not self.report.statuses:
            return "no tests collected"
        return None


@dataclass
class Bench:
    """Runs test files of checkouts with one built environment, in the sandbox."""

    env: PythonEnv
    environment: Environment
    settings: Settings
    make_sandbox: SandboxFactory = local_sandbox
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def _sandbox(self, checkout: Path, scratch: Path) -> tuple[Sandbox, dict[str, str]]:
        mounts = session_mounts(self.env, checkout, scratch)
        box = self.make_sandbox(
            mounts, Limits(memory_mb=self.settings.memory_mb), self.settings.sandbox
        )
        return box, session_env(self.env, self.environment, checkout, scratch)

    def setup(self, checkout: Path, scratch: Path) -> str | None:
        """Run the environment's setup commands; why the first failure dropped it, or None."""
        box, env = self._sandbox(checkout, scratch)
        try:
            run_setup(box, self.environment, checkout, env)
        except SetupError as exc:
            return str(exc)
        return None

    def _plugins(self, checkout: Path, files: Sequence[str]) -> list[str]:
        """pytest's plugin options, as a graded session loads them (empty for other runners)."""
        if self.environment.runner != DEFAULT_RUNNER:
            return []
        own = top_level_modules(checkout, self.environment.pythonpath)
        config = locate_config(lambda rel: read_text(checkout / rel), files)
        named = named_plugins(checkout / config if config else None, self.environment.test_cmd)
        return plugin_args(environment_plugins(self.env.path, own, named))

    def _exec(self, checkout: Path, scratch: Path, argv: list[str]) -> ExecResult:
        box, env = self._sandbox(checkout, scratch)
        if self.environment.runner == DEFAULT_RUNNER:
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        return box.exec(argv, cwd=checkout, timeout=self.settings.test_timeout_s, env=env)

    def run(
        self,
        checkout: Path,
        scratch: Path,
        files: Sequence[str],
        ids: Sequence[str] | None = None,
    ) -> PytestRun:
        """Run ``files`` (or only the tests ``ids`` of them) with the task's runner; statuses
        by test id from its report.

        pytest loads plugins as a graded session does: autoload off, the environment's own
        ``pytest11`` plugins by name (and those the task's ``test_cmd`` names), so a plugin
        the checkout provides behaves the same here and when graded.
        """
        runner = get_runner(self.environment.runner)
        written = scratch / f"{next(self._ids)}-{runner.files.report}"
        options = RunOptions(
            report=written,
            per_test_timeout_s=self.settings.per_test_timeout_s,
            keep_going=True,
            quiet=True,
            cache=False,
            extra=tuple(self._plugins(checkout, files)),
        )
        argv = runner.argv(command_for(self.environment), files if ids is None else ids, options)
        res = self._exec(checkout, scratch, argv)
        try:
            report = runner.parse(written.read_text(errors="replace"))
        except (OSError, GradingError):
            report = None
        output = f"{res.stdout}\n{res.stderr}"
        return PytestRun(report, res.returncode, res.timed_out, _tail(res), output)

    def not_passing_by_id(
        self, checkout: Path, scratch: Path, files: Sequence[str], ids: Sequence[str]
    ) -> list[str]:
        """Of ``ids``, which passed in runs of whole ``files``, those that do not pass when
        run as grading runs them: asked for by id.

        Some ids that a whole-file run reports cannot be selected: pytest-ruff names its
        format check ``ruff::format``, which pytest splits at ``::``. Asked for alone it is
        "not found", and then pytest runs nothing; asked for beside ``ruff`` it is silently
        not run. A test that passes only after others of its file fails here too.
        """
        runner = get_runner(self.environment.runner)
        left, dropped = list(ids), []
        for _ in range(2):  # a second run once the ids pytest did not find are out
            run = self.run(checkout, scratch, files, left)
            gone = runner.not_found(run.output, left)
            if not gone:
                if run.report is not None and not run.timed_out:
                    statuses = run.report.statuses
                    dropped += [t for t in left if statuses.get(t) != Status.PASSED]
                break
            dropped += gone
            left = [t for t in left if t not in gone]
        return dropped


def _tail(res: ExecResult) -> str:
    lines = [ln.strip() for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


@dataclass(frozen=True)
class _State:
    checkout: Path
    scratch: Path


def _prepare(source: Path, task: Task, patches: Sequence[str], where: Path) -> _State:
    checkout = sealed_checkout(source, task.base_commit, where / "checkout")
    for patch in patches:
        apply_patch(checkout, patch, label="reference change")
    scratch = where / "scratch"
    scratch.mkdir()
    return _State(checkout, scratch)


def verify(source: Path, task: Task, bench: Bench, work: Path) -> CandidateCheck:
    """Run the candidate's test files before and after its fix and judge the statuses.

    ``task`` is the draft task: its base, reference commit and hidden test files are used;
    its FAIL_TO_PASS and PASS_TO_PASS are not. The fix and test patches are exactly those the
    grader will use (:func:`proctor.repo.reference_patches`). The after state runs first, so
    a candidate whose tests cannot run costs one run.

    Raises:
        RepoError: a commit cannot be read; SandboxError: the sandbox cannot start.
    """
    gold, tests = reference_patches(source, task)
    if not runnable_files(task.hidden_tests.files, task.environment.runner, ("*",)):
        return CandidateCheck(reason="no test module changed")
    try:
        after = _prepare(source, task, [gold, tests], work / "after")
        before = _prepare(source, task, [tests], work / "before")
    except PatchError as exc:
        return CandidateCheck(reason=str(exc))
    patterns = python_files_of(after.checkout, task.hidden_tests.files)
    files = runnable_files(task.hidden_tests.files, task.environment.runner, patterns)
    if not files:
        return CandidateCheck(reason="no test module changed")
    for state in (after, before):
        problem = bench.setup(state.checkout, state.scratch)
        if problem is not None:
            return CandidateCheck(reason=problem)
    runs: dict[str, list[Mapping[str, str]]] = {"after": [], "before": []}
    uncollected: list[str] = []
    unloaded: set[str] = set()
    for round_ in range(2):
        for name, state in (("after", after), ("before", before)):
            run = bench.run(state.checkout, state.scratch, files)
            if name == "after" and round_ == 0 and (bad := _uncollected(run, files)):
                uncollected, files = bad, [f for f in files if f not in bad]
                run = bench.run(state.checkout, state.scratch, files)
            problem = run.problem(after=name == "after")
            if problem is not None:
                return CandidateCheck(reason=f"tests cannot run {name} the fix: {problem}")
            assert run.report is not None
            runs[name].append({t: s.value for t, s in run.report.statuses.items()})
            if name == "before":
                unloaded |= set(run.report.collection_errors)
        verdict = replace(
            judge_runs(runs["before"], runs["after"], date.today(), unloaded),
            uncollected=uncollected,
        )
        if verdict.reason is not None and round_ == 0 and not verdict.vanished:
            return verdict  # rejected already: a second round is not worth its time
    if verdict.reason is not None:
        return verdict
    kept = [*verdict.fail_to_pass, *verdict.pass_to_pass]
    return without(verdict, bench.not_passing_by_id(after.checkout, after.scratch, files, kept))


def _uncollected(run: PytestRun, files: Sequence[str]) -> list[str]:
    """The test files that did not load after the fix, when others did: left out (cattrs
    passes over a Python 3.14 module with ``collect_ignore_glob``, which a file named on the
    command line escapes), else none."""
    failed = set(run.report.collection_errors) if run.report is not None else set()
    bad = [f for f in files if f in failed]
    return bad if bad and len(bad) < len(files) else []


def without(verdict: CandidateCheck, unselectable: Sequence[str]) -> CandidateCheck:
    """``verdict`` less the tests that do not pass when run by id; rejected when that leaves
    no FAIL_TO_PASS test."""
    if not unselectable:
        return verdict
    gone = set(unselectable)
    f2p = [t for t in verdict.fail_to_pass if t not in gone]
    p2p = [t for t in verdict.pass_to_pass if t not in gone]
    reason = None if f2p else f"no FAIL_TO_PASS test passes run by its id: {_listed(sorted(gone))}"
    return replace(
        verdict, fail_to_pass=f2p, pass_to_pass=p2p, reason=reason, unselectable=sorted(gone)
    )
