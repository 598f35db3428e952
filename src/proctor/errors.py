"""The exception tree of proctor.

Every error a user can cause ends in one clear line; infrastructure failures are kept apart
from model failures so a broken environment is never scored against the model::

    ProctorError
    ├── SpecError              a task file is malformed (names file, field, problem)
    ├── ConfigError            a setting, option or models file is wrong
    ├── RepoError              a repository or commit cannot be had
    │   └── PatchError         a patch does not apply
    ├── EnvironmentBuildError  the task's Python environment cannot be built
    │   ├── TaskEnvironmentError  it was built, but the task's spec of it is wrong
    │   └── SetupError         a setup command of the task's environment failed
    ├── SandboxError           the sandbox itself failed (not the code inside it)
    ├── GradingError           the test run produced no trustworthy verdict
    └── ModelError             the model's API failed past its retries, or a budget ran out
        └── BudgetExceeded     tokens, dollars or wall time for the task are spent
            └── ContextOverflow the conversation no longer fits the model's window
"""

from __future__ import annotations


class ProctorError(Exception):
    """Base of every error proctor raises on purpose."""


class SpecError(ProctorError):
    """A task spec is malformed.

    Args:
        path: the file the spec came from (or a label such as ``<swebench:ID>``).
        field: dotted path to the offending field, empty when the whole file is wrong.
        problem: what is wrong, in one line.
    """

    def __init__(self, path: str, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {problem}")


class ConfigError(ProctorError):
    """A setting, CLI option or configuration file is wrong."""


class RepoError(ProctorError):
    """A repository, mirror or commit cannot be had."""


class PatchError(RepoError):
    """A patch does not apply to the tree it was meant for."""


class EnvironmentBuildError(ProctorError):
    """The task's Python environment could not be built (an infrastructure failure)."""


class TaskEnvironmentError(EnvironmentBuildError):
    """The environment works, but the task describes it wrongly (e.g. a ``pythonpath`` that
    makes the tests import an installed copy): the task must change, so retrying is useless."""


class SetupError(EnvironmentBuildError):
    """A setup command of the task's environment failed; ``output`` holds what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class SandboxError(ProctorError):
    """The sandbox could not run a command at all (not a failure of the command itself)."""


class GradingError(ProctorError):
    """The hidden-test run gave no verdict that can be trusted."""


class ModelError(ProctorError):
    """The model could not be reached or answered, past retries (recorded, never a crash)."""


class BudgetExceeded(ModelError):
    """The per-task budget (tokens, dollars or wall time) is spent."""


class ContextOverflow(BudgetExceeded):
    """The conversation no longer fits the model's context window (a limit of the model)."""
