"""Accept a proposed environment only if the repository's own tests run in it.

A proposal (from :mod:`proctor.mine.infer`, or given by hand) is built and the repository's
tests at the commit are run with it, in the sandbox, exactly as mining runs a candidate's
tests: the checkout on ``PYTHONPATH``, the setup commands first. It is accepted when the tests
collect (at least one test ran, and at most :data:`MAX_BROKEN_FILES` of the files run could not
be loaded) and at least :data:`MIN_PASS_RATE` of the tests that ran passed (skips do not count).

Large suites are sampled: at most ``max_files`` test files, spread evenly over the sorted list,
so the check costs one bounded test run whatever the repository's size.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from proctor.errors import ProctorError
from proctor.mine.environment import propose_environment
from proctor.mine.testfiles import config_values
from proctor.mine.verify import Bench, SandboxFactory, local_sandbox
from proctor.repo import ensure_source, resolve_commit, sealed_checkout
from proctor.sandbox import build_env
from proctor.settings import Settings
from proctor.spec import Environment
from proctor.testrun import Status

MIN_PASS_RATE = 0.9
"""Share of the tests that ran (passed, failed or errored) that must pass."""

MAX_BROKEN_FILES = 0.1
"""Largest share of the test files run that may fail to load."""

MAX_FILES = 40
"""Test files run at most (sampled evenly over the sorted list)."""

_ERROR_LINE = re.compile(r"^E\s+(\S.*)$", re.MULTILINE)
_SKIP_DIRS = frozenset(
    {"docs", "doc", "build", "dist", "node_modules", "site-packages", "venv", "examples"}
    | {"_vendor", "vendor", "vendored", "_vendored", "third_party", "extern", "_distutils"}
)
"""Folders whose test files are not the repository's own suite (vendored code among them)."""


@dataclass(frozen=True)
class EnvironmentCheck:
    """What running the repository's tests in a proposed environment showed."""

    files: int = 0
    """Test files run."""
    passed: int = 0
    failed: int = 0
    """Tests that failed or errored."""
    skipped: int = 0
    broken_files: list[str] = field(default_factory=list)
    """Test files that could not be loaded."""
    seconds: float = 0.0
    reason: str | None = None
    """Why the proposal is rejected; None when accepted."""
    causes: list[str] = field(default_factory=list)
    """The commonest failure lines of the tests that failed, with their counts."""

    @property
    def accepted(self) -> bool:
        """Whether the environment passed the check."""
        return self.reason is None

    @property
    def pass_rate(self) -> float:
        """Passed over the tests that ran (0 when none ran)."""
        ran = self.passed + self.failed
        return self.passed / ran if ran else 0.0

    def summary(self) -> str:
        """One line: the figures, and the verdict."""
        figures = (
            f"{self.files} test file(s): {self.passed} passed, {self.failed} failed, "
            f"{self.skipped} skipped, {len(self.broken_files)} file(s) not loaded "
            f"({self.pass_rate:.0%} pass, {self.seconds:.0f}s)"
        )
        if self.reason is None:
            return figures
        causes = f" (commonest failures: {'; '.join(self.causes)})" if self.causes else ""
        return f"{figures}; rejected: {self.reason}{causes}"


def configured_testpaths(checkout: Path) -> list[str]:
    """The ``testpaths`` of the pytest config at the checkout's top (empty when none)."""
    return config_values(checkout, [], "testpaths")


def find_test_files(checkout: Path) -> list[str]:
    """The checkout's pytest-style test files (``test_*.py``, ``*_test.py``), sorted; only
    those under the config's ``testpaths`` when it names some."""
    # pytest ignores testpaths that match nothing; so does this.
    named = [PurePosixPath(p.strip("/")) for p in configured_testpaths(checkout)]
    roots = [r for r in named if (checkout / r).exists()]
    found: list[str] = []
    for path in checkout.rglob("*.py"):
        rel = PurePosixPath(path.relative_to(checkout).as_posix())
        if any(p.startswith(".") or p in _SKIP_DIRS for p in rel.parts[:-1]):
            continue
        if roots and not any(rel == r or r in rel.parents for r in roots):
            continue
        if rel.name.startswith("test_") or rel.stem.endswith("_test"):
            found.append(str(rel))
    return sorted(found)


def sample(files: Sequence[str], limit: int) -> list[str]:
    """At most ``limit`` of ``files``, spread evenly over them, in order."""
    if len(files) <= limit:
        return list(files)
    step = len(files) / limit
    return [files[int(i * step)] for i in range(limit)]


def failure_causes(failures: Iterable[str], top: int = 3) -> list[str]:
    """The commonest error lines (``E   SomeError: ...``) of failure texts, with counts."""
    lines = []
    for text in failures:
        found = _ERROR_LINE.findall(text)
        lines.append(found[-1].strip()[:120] if found else (text.strip().splitlines() or ["?"])[0])
    return [f"{n}x {line}" for line, n in Counter(lines).most_common(top)]


def judge_check(
    statuses: dict[str, Status],
    broken: Sequence[str],
    files: int,
    seconds: float,
    failures: Iterable[str] = (),
) -> EnvironmentCheck:
    """The check's verdict from one run's statuses, unloadable files and failure texts."""
    counts = {s: 0 for s in Status}
    for status in statuses.values():
        counts[status] += 1
    passed = counts[Status.PASSED]
    failed = counts[Status.FAILED] + counts[Status.ERROR]
    check = EnvironmentCheck(
        files, passed, failed, counts[Status.SKIPPED], list(broken), round(seconds, 1)
    )
    reason = None
    if passed + failed == 0:
        reason = "no test ran" + (f" ({len(broken)} file(s) not loaded)" if broken else "")
    elif files and len(broken) / files > MAX_BROKEN_FILES:
        reason = f"{len(broken)} of {files} test files could not be loaded: {broken[0]} ..."
    elif check.pass_rate < MIN_PASS_RATE:
        reason = f"only {check.pass_rate:.0%} of the tests that ran passed"
    causes = failure_causes(failures) if reason else []
    return EnvironmentCheck(**{**check.__dict__, "reason": reason, "causes": causes})


def check_environment(
    source: Path,
    commit: str,
    environment: Environment,
    repo: str,
    settings: Settings,
    work: Path,
    *,
    max_files: int = MAX_FILES,
    make_sandbox: SandboxFactory = local_sandbox,
) -> EnvironmentCheck:
    """Build ``environment`` and run ``source``'s tests at ``commit`` in it.

    Args:
        source: the repository's git directory.
        commit: the commit whose tests run.
        environment: the proposal.
        repo: the repository's name in task specs (part of the environment's key).
        settings: environments, sandbox, timeouts.
        work: an empty folder for the checkout and the runner's report.
        max_files: most test files to run.
        make_sandbox: makes the sandbox of each command.

    Returns:
        The check; a build or setup failure is a rejection that says so (never raised).

    Raises:
        RepoError: the commit cannot be read; SandboxError: the sandbox cannot start.
    """
    started = time.monotonic()
    checkout = sealed_checkout(source, commit, work / "checkout")
    scratch = work / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    files = sample(find_test_files(checkout), max_files)
    if not files:
        return EnvironmentCheck(reason="no test files (test_*.py, *_test.py) found")
    try:
        env = build_env(environment, repo, settings.envs_dir, log=work / "env.log")
    except ProctorError as exc:
        return EnvironmentCheck(reason=f"environment does not build: {exc}")
    bench = Bench(env, environment, settings, make_sandbox)
    problem = bench.setup(checkout, scratch)
    if problem is not None:
        return EnvironmentCheck(reason=problem)
    run = bench.run(checkout, scratch, files)
    elapsed = time.monotonic() - started
    if run.report is None or run.timed_out:
        why = run.problem(after=False) or "no report"
        return EnvironmentCheck(len(files), seconds=round(elapsed, 1), reason=why)
    report = run.report
    texts = report.failures.values()
    return judge_check(report.statuses, report.collection_errors, len(files), elapsed, texts)


@dataclass(frozen=True)
class FoundEnvironment:
    """An inferred environment and, when it was run, the check of it."""

    repo: str
    """The repository as task specs name it."""
    commit: str
    """The full sha the environment was inferred and checked at."""
    environment: Environment
    check: EnvironmentCheck | None

    @property
    def accepted(self) -> bool:
        """Checked and accepted (an unchecked proposal is not accepted)."""
        return self.check is not None and self.check.accepted


def find_environment(
    repo: str,
    commit: str,
    settings: Settings,
    *,
    given: Mapping[str, object] | None = None,
    check: bool = True,
    max_files: int = MAX_FILES,
    make_sandbox: SandboxFactory = local_sandbox,
) -> FoundEnvironment:
    """Infer the environment of ``repo`` at ``commit`` and, with ``check``, run its tests in it.

    Raises:
        RepoError: the repository or commit cannot be had; SandboxError: no sandbox.
    """
    source = ensure_source(repo, settings.repos_dir)
    sha = resolve_commit(source, commit)
    environment = propose_environment(source, sha, given)
    if not check:
        return FoundEnvironment(repo, sha, environment, None)
    with tempfile.TemporaryDirectory(prefix="proctor-infer-") as tmp:
        result = check_environment(
            source,
            sha,
            environment,
            repo,
            settings,
            Path(tmp),
            max_files=max_files,
            make_sandbox=make_sandbox,
        )
    return FoundEnvironment(repo, sha, environment, result)


@dataclass(frozen=True)
class RepoEnvironments:
    """The environments inferred for several commits of one repository, and one check."""

    repo: str
    environments: dict[str, Environment]
    """Commit (as given) to its inferred environment."""
    check: EnvironmentCheck | None
    """The check at the first commit given (None when not asked for)."""
    checked_at: str = ""

    @property
    def accepted(self) -> bool:
        """Not checked, or checked and accepted."""
        return self.check is None or self.check.accepted


def environments_for(
    repo: str,
    commits: Sequence[str],
    settings: Settings,
    *,
    given: Mapping[str, object] | None = None,
    check: bool = True,
    make_sandbox: SandboxFactory = local_sandbox,
) -> RepoEnvironments:
    """Infer the environment at each of ``commits``; with ``check``, run the tests at the first.

    Put the commit whose environment matters most first (the newest task's base, say): one
    check per repository keeps importing many tasks affordable.

    Raises:
        RepoError: the repository or a commit cannot be had; SandboxError: no sandbox.
    """
    source = ensure_source(repo, settings.repos_dir)
    environments = {
        c: propose_environment(source, resolve_commit(source, c), given)
        for c in dict.fromkeys(commits)
    }
    if not check or not commits:
        return RepoEnvironments(repo, environments, None)
    first = commits[0]
    with tempfile.TemporaryDirectory(prefix="proctor-infer-") as tmp:
        result = check_environment(
            source,
            resolve_commit(source, first),
            environments[first],
            repo,
            settings,
            Path(tmp),
            make_sandbox=make_sandbox,
        )
    return RepoEnvironments(repo, environments, result, first)
