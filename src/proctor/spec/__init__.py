"""Task specs: models, loading and validation."""

from proctor.spec.derived import (
    DERIVED_NAME,
    DerivedFunction,
    DerivedRepo,
    dump_derived,
    load_derived,
    load_suite_derived,
)
from proctor.spec.humaneval import (
    HumanEvalProblem,
    check_program,
    data_file,
    load_problems,
    select_problems,
)
from proctor.spec.load import dump_task, iter_suite, load_suite, load_task, parse_task, task_files
from proctor.spec.models import (
    SCHEMA_VERSION,
    Environment,
    HiddenTests,
    IsolatedFunction,
    LintSettings,
    Reference,
    Task,
    python_version,
    task_id,
)
from proctor.spec.repoconfig import RepoConfig, load_repo_config, parse_repo_config, repo_key
from proctor.spec.swebench import convert_instance, environment_fields, read_instances
from proctor.spec.versions import NEWER_SCHEMA, Migration, check_schema_version, migrate_record

__all__ = [
    "DERIVED_NAME",
    "NEWER_SCHEMA",
    "SCHEMA_VERSION",
    "DerivedFunction",
    "DerivedRepo",
    "Environment",
    "HiddenTests",
    "HumanEvalProblem",
    "IsolatedFunction",
    "LintSettings",
    "Migration",
    "Reference",
    "RepoConfig",
    "Task",
    "check_program",
    "check_schema_version",
    "convert_instance",
    "data_file",
    "dump_derived",
    "dump_task",
    "environment_fields",
    "iter_suite",
    "load_derived",
    "load_problems",
    "load_repo_config",
    "load_suite",
    "load_suite_derived",
    "load_task",
    "migrate_record",
    "parse_repo_config",
    "parse_task",
    "python_version",
    "read_instances",
    "repo_key",
    "select_problems",
    "task_files",
    "task_id",
]
