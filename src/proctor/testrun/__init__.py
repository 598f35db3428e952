"""How tests run: the TestRunner seam, its registry, and pytest's trusted configuration.

A :class:`TestRunner` builds the argv for a selection of test ids, names the files and modules
that belong to it (the grader owns them), gives its default test command and parses its report
into per-test statuses. :func:`get_runner` is the one registry: the built-ins (pytest, vitest),
then the ``proctor.runners`` entry points of installed packages. For pytest, everything that
configures a graded session is decided here in proctor's own process from trusted inputs (the
base tree, the hidden tests, the read-only environment), never from what a change wrote.

Checked on paper against ``go test -json``: ``argv`` fits (``-run '^(TestA|TestB)$' ./pkg``,
``-timeout``, ``-list``; ids ``PKG TestName/sub``), ``parse`` reads its event stream (``Action``
per ``Test``), ``files`` are ``go.mod``/``go.work``. Two misfits: the report is stdout, not a
file (the session must hand stdout to ``parse``), and a forging ``TestMain`` may sit in any
``*_test.go``, which file names and suffixes cannot single out.
"""

from proctor.testrun.base import (
    PLAIN,
    RunnerFiles,
    RunOptions,
    Status,
    TestReport,
    TestRunner,
)
from proctor.testrun.checkout import SETUP_TIMEOUT_S, run_setup, session_env, session_mounts
from proctor.testrun.pytest import (
    CONFIG_NAMES,
    PytestRunner,
    PytestSetup,
    config_option,
    config_plugin_names,
    empty_config,
    entry_point_plugins,
    entry_points,
    environment_plugins,
    locate_config,
    named_plugins,
    plugin_args,
    pytest_setup,
    runner_args,
    top_level_modules,
    under_roots,
)
from proctor.testrun.registry import (
    BUILT_IN,
    ENTRY_POINT_GROUP,
    available_runners,
    command_for,
    get_runner,
)
from proctor.testrun.vitest import VitestRunner

DEFAULT_RUNNER = "pytest"
"""The runner of a task that names none."""

__all__ = [
    "BUILT_IN",
    "CONFIG_NAMES",
    "DEFAULT_RUNNER",
    "ENTRY_POINT_GROUP",
    "PLAIN",
    "SETUP_TIMEOUT_S",
    "PytestRunner",
    "PytestSetup",
    "RunOptions",
    "RunnerFiles",
    "Status",
    "TestReport",
    "TestRunner",
    "VitestRunner",
    "available_runners",
    "command_for",
    "config_option",
    "config_plugin_names",
    "empty_config",
    "entry_point_plugins",
    "entry_points",
    "environment_plugins",
    "get_runner",
    "locate_config",
    "named_plugins",
    "plugin_args",
    "pytest_setup",
    "run_setup",
    "runner_args",
    "session_env",
    "session_mounts",
    "top_level_modules",
    "under_roots",
]
