"""The one registry of test runners: built-ins by name, then the ``proctor.runners`` entry points.

Entry points are read only when a name is not a built-in, so a broken third-party package
cannot stop a run that never asked for its runner.
"""

from __future__ import annotations

from collections.abc import Callable

from proctor.errors import ConfigError
from proctor.plugins import load_plugin, plugin_names, unknown_name
from proctor.spec import Environment
from proctor.testrun.base import TestRunner
from proctor.testrun.pytest import PytestRunner
from proctor.testrun.vitest import VitestRunner

ENTRY_POINT_GROUP = "proctor.runners"
"""Entry-point group where a package registers a runner: ``name = "module:factory"``."""

BUILT_IN: dict[str, Callable[[], TestRunner]] = {
    "pytest": PytestRunner,
    "vitest": VitestRunner,
}
"""Runners proctor ships, by the name a task's ``environment.runner`` gives."""


def available_runners() -> list[str]:
    """Names of every runner: the built-ins and those installed packages register."""
    return sorted({*BUILT_IN, *plugin_names(ENTRY_POINT_GROUP)})


def get_runner(name: str) -> TestRunner:
    """The runner called ``name``.

    Raises:
        ConfigError: no runner has that name, or what its entry point gives is no runner.
    """
    factory = BUILT_IN.get(name) or _entry_point(name)
    runner = factory()
    if not isinstance(runner, TestRunner):
        raise ConfigError(f"runner {name}: {runner!r} does not implement proctor's TestRunner")
    return runner


def _entry_point(name: str) -> Callable[[], TestRunner]:
    factory = load_plugin(ENTRY_POINT_GROUP, name, kind="runner")
    if factory is None:
        raise ConfigError(unknown_name("runner", name, available_runners()))
    return factory


def command_for(environment: Environment) -> list[str]:
    """The argv prefix that runs an environment's tests: its ``test_cmd``, or else its
    runner's default command.

    Raises:
        ConfigError: the environment names an unknown runner.
    """
    if environment.test_cmd:
        return list(environment.test_cmd)
    return list(get_runner(environment.runner).default_command)
