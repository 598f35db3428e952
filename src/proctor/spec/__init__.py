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
from proctor.spec.versions import NEWER_SCHEMA, Migration, check_schema_version, migrate_record

__all__ = [
    "NEWER_SCHEMA",
    "SCHEMA_VERSION",
    "Environment",
    "HiddenTests",
    "IsolatedFunction",
    "LintSettings",
    "Migration",
    "Reference",
    "Task",
    "check_schema_version",
    "dump_task",
    "iter_suite",
    "load_suite",
    "load_task",
    "migrate_record",
    "parse_task",
    "task_files",
]
