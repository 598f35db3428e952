"""The TestRunner seam: what proctor needs from a test runner, and what a run reports.

A runner builds the argv of a run from a selection of test ids, names the files and modules
that belong to it (what the grader must own), gives its default test command and parses its
machine-readable report into per-test statuses. Everything here is data or pure functions;
running the argv is the sandbox's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol, runtime_checkable


class Status(str, Enum):
    """Outcome of one test case, worst first when several records exist for it."""

    ERROR = "error"
    FAILED = "failed"
    SKIPPED = "skipped"
    PASSED = "passed"
    MISSING = "missing"


RANK = {Status.ERROR: 0, Status.FAILED: 1, Status.SKIPPED: 2, Status.PASSED: 3}
"""Lower is worse: of several records of one test case, the worst wins."""


def _same(test_id: str) -> str:
    return test_id


@dataclass(frozen=True)
class TestReport:
    """What one run's report says, per test case (the worst of each case's records).

    A case is keyed the way the report names it; ``key`` turns a test id into that key, so a
    selected id is looked up even where the report does not spell the id out.
    """

    __test__ = False  # not a pytest test class

    cases: dict[str, Status] = field(default_factory=dict)
    """Case key to status."""
    failures: dict[str, str] = field(default_factory=dict)
    """Case key to the failure or error text (message and traceback) of a failed case."""
    ids: dict[str, str] = field(default_factory=dict)
    """Case key to test id, for the cases whose id the report gives."""
    collection_errors: list[str] = field(default_factory=list)
    """Test files (or modules) that could not be loaded: no test of theirs ran."""
    key: Callable[[str], str] = _same
    """Test id to case key."""

    def status(self, test_id: str) -> Status:
        """The reported status of ``test_id``; :attr:`Status.MISSING` when not reported."""
        return self.cases.get(self.key(test_id), Status.MISSING)

    def statuses_for(self, test_ids: Sequence[str]) -> dict[str, Status]:
        """The status of each of ``test_ids``, in their order."""
        return {tid: self.status(tid) for tid in test_ids}

    def failure(self, test_id: str) -> str:
        """The failure text of ``test_id`` ('' when it did not fail or is not reported)."""
        return self.failures.get(self.key(test_id), "")

    @property
    def statuses(self) -> dict[str, Status]:
        """Test id to status, for every case whose id the report gives."""
        return {tid: self.cases[k] for k, tid in self.ids.items()}


@dataclass(frozen=True)
class RunOptions:
    """How one run goes, in the runner's own terms once :meth:`TestRunner.argv` reads it."""

    report: Path | None = None
    """Write the machine-readable report here (the file :meth:`TestRunner.parse` reads)."""
    per_test_timeout_s: float | None = None
    """Fail a single test that runs longer than this."""
    collect_only: bool = False
    """List the selected tests without running them."""
    keep_going: bool = False
    """Run the tests that load when some test file cannot be loaded."""
    quiet: bool = False
    """Terse console output (a run proctor reads, not one a person reads)."""
    cache: bool = True
    """Let the runner keep its cache in the checkout (off for proctor's own runs)."""
    extra: tuple[str, ...] = ()
    """Options the caller adds for a plugin of its own, after the runner's."""


PLAIN = RunOptions()
"""A run as a person would start it: the command and the tests, nothing added."""


@dataclass(frozen=True)
class RunnerFiles:
    """What belongs to the runner, not to the code under test: the grader owns these."""

    hooks: frozenset[str]
    """File names that configure or hook the runner wherever they are: a change's edits to
    them are undone before grading."""
    hook_suffixes: frozenset[str]
    """File suffixes that hook the interpreter the runner runs in (``.pth``)."""
    local_plugins: frozenset[str]
    """File names of the repository's own plugins: mounted read-only, and where the
    repository names the plugins it loads on purpose."""
    modules: frozenset[str]
    """Top-level modules the runner loads; a change may not add one that shadows them."""
    internals: str
    """A regular expression for the runner's internals: library code that names them reaches
    into the runner (a hint, never a verdict)."""
    report: str
    """File name of the report an attempt folder keeps."""


@runtime_checkable
class TestRunner(Protocol):
    """How tests run: argv for a selection, the runner's own files, report -> statuses."""

    @property
    def name(self) -> str:
        """The name a task's ``environment.runner`` gives."""
        ...

    @property
    def default_command(self) -> tuple[str, ...]:
        """The argv prefix that runs the tests when a task gives no ``test_cmd``."""
        ...

    @property
    def files(self) -> RunnerFiles:
        """The files and modules that belong to the runner."""
        ...

    def argv(
        self, command: Sequence[str], test_ids: Sequence[str], options: RunOptions = PLAIN
    ) -> list[str]:
        """The argv that runs ``test_ids`` (all tests when empty) with the task's ``command``."""
        ...

    def parse(self, text: str) -> TestReport:
        """Statuses from the report a run wrote. Pure.

        Raises:
            GradingError: the text is not a report of this runner.
        """
        ...

    def not_found(self, output: str, test_ids: Sequence[str]) -> list[str]:
        """Of ``test_ids``, those the run's console ``output`` says do not exist. Pure."""
        ...
