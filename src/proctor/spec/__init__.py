"""Task specs: models, loading and validation."""

from proctor.spec.load import dump_task, iter_suite, load_suite, load_task, parse_task, task_files
from proctor.spec.models import (
    SCHEMA_VERSION,
    Environment,
    HiddenTests,
    IsolatedFunction,
    LintSettings,
    Reference,
    Task,
)

__all__ = [
    "SCHEMA_VERSION",
    "Environment",
    "HiddenTests",
    "IsolatedFunction",
    "LintSettings",
    "Reference",
    "Task",
    "dump_task",
    "iter_suite",
    "load_suite",
    "load_task",
    "parse_task",
    "task_files",
]
