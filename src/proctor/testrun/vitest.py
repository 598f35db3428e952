"""vitest (JavaScript) as a :class:`~proctor.testrun.base.TestRunner`.

A test id is vitest's own full name of a test, as ``vitest list`` prints it: the file, the
names of its ``describe`` blocks and the test's name, joined by `` > ``
(``test/math.test.js > add > sums``). vitest's JUnit XML names a case the same way (classname:
the file; name: the rest), and records a file that fails to load as one case whose name is
the file itself. A selection runs its files, filtered by the tests' full names (``-t``, which
vitest matches against the ``describe`` names and the test's name joined by spaces).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from proctor.errors import GradingError
from proctor.testrun.base import PLAIN, RunnerFiles, RunOptions, TestReport
from proctor.testrun.junit import Case, Keys, junit_report

SEP = " > "
_CONFIG_STEMS = ("vitest.config", "vitest.workspace", "vite.config")
_CONFIG_EXTS = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs")

FILES = RunnerFiles(
    hooks=frozenset(stem + ext for stem in _CONFIG_STEMS for ext in _CONFIG_EXTS),
    hook_suffixes=frozenset(),
    local_plugins=frozenset(),
    modules=frozenset({"vitest", "vite", "@vitest"}),
    internals=r"__vitest_worker__|@vitest/runner|\bVITEST_",
    report="junit.xml",
)
"""What belongs to vitest: its config files and its packages."""


def _case_id(case: Case) -> str:
    return f"{case.classname}{SEP}{case.name}"


KEYS = Keys(
    case=_case_id,
    test_id=_case_id,
    load_error=lambda c: c.classname if c.name == c.classname else None,
    of_id=lambda test_id: test_id,
)
"""How vitest's JUnit XML names its test cases."""


def _name_pattern(test_ids: Sequence[str]) -> str | None:
    names = [tid.split(SEP)[1:] for tid in test_ids]
    if not all(names):
        return None  # a whole file is selected: no filter on names
    return "^(?:" + "|".join(re.escape(" ".join(n)) for n in names) + ")$"


class VitestRunner:
    """vitest: ids ``FILE > DESCRIBE > TEST``, JUnit XML through its ``junit`` reporter."""

    name = "vitest"
    default_command = ("npx", "vitest", "run")
    files = FILES

    def argv(
        self, command: Sequence[str], test_ids: Sequence[str], options: RunOptions = PLAIN
    ) -> list[str]:
        """``command`` with vitest's options for ``options``, the files of ``test_ids``, and
        a name filter when tests (not whole files) are selected.

        Raises:
            GradingError: ``collect_only`` with a command that does not say ``run``.
        """
        argv = [*command]
        if options.collect_only:
            if "run" not in argv:
                raise GradingError(f"test_cmd {list(command)} has no 'run' to make 'list'")
            argv[len(argv) - 1 - argv[::-1].index("run")] = "list"
        if not options.cache:
            argv += ["--no-cache"]
        if options.report is not None:
            argv += ["--reporter=default", "--reporter=junit"]
            argv += [f"--outputFile.junit={options.report}"]
        if options.per_test_timeout_s is not None:
            argv += [f"--testTimeout={max(1, int(options.per_test_timeout_s * 1000))}"]
        argv += options.extra
        argv += list(dict.fromkeys(tid.split(SEP)[0] for tid in test_ids))
        pattern = _name_pattern(test_ids) if test_ids else None
        return argv + (["-t", pattern] if pattern else [])

    def parse(self, text: str) -> TestReport:
        """Statuses by full name from vitest's JUnit XML.

        Raises:
            GradingError: the text is not JUnit XML.
        """
        return junit_report(text, KEYS)

    def not_found(self, output: str, test_ids: Sequence[str]) -> list[str]:
        """Every id when vitest found none of the files; vitest says nothing of single tests."""
        return list(test_ids) if "No test files found" in output else []
