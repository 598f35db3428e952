"""The one registry of test runners: built-ins by name, then the ``proctor.runners`` entry points.

Entry points are read only when a name is not a built-in, so a broken third-party package
cannot stop a run that never asked for its runner.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata

from proctor.errors import ConfigError
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
    found = {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return sorted({*BUILT_IN, *found})


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
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                factory = ep.load()
            except Exception as exc:  # a third-party package: whatever it raises
                raise ConfigError(f"runner {name}: cannot load {ep.value}: {exc}") from None
            if not callable(factory):
                raise ConfigError(f"runner {name}: {ep.value} is not callable")
            return factory  # type: ignore[no-any-return]
    raise ConfigError(f"unknown runner {name!r} (available: {', '.join(available_runners())})")


def command_for(environment: Environment) -> list[str]:
    """The argv prefix that runs an environment's tests: its ``test_cmd``, or else its
    runner's default command.

    Raises:
        ConfigError: the environment names an unknown runner.
    """
    if environment.test_cmd:
        return list(environment.test_cmd)
    return list(get_runner(environment.runner).default_command)
