"""Task specs: frozen pydantic models, one task per YAML file.

A spec is immutable and content-hashed: :meth:`Environment.key` is the cache key of the
Python environment it builds, shared by every task with the same repository and settings (or,
once the suite's lock is attached, the same pinned closure).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from proctor.spec.lock import LockedEnv, lock_inputs
from proctor.spec.versions import Migration, check_schema_version, migrate_record

SCHEMA_VERSION = 1
"""Version of the task format. Bump it when a change would misread older files, and add the
step from the old version to :data:`TASK_MIGRATIONS`."""

TASK_MIGRATIONS: dict[int, Migration] = {}
"""Steps from each older task format to the next (none yet: version 1 is the only one)."""

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def task_id(v: str) -> str:
    """``v`` if it can be a task id (or part of one): letters, digits, '.', '_' and '-'.

    Raises:
        ValueError: it cannot.
    """
    if not _ID.match(v):
        raise ValueError(f"{v!r}: use letters, digits, '.', '_' and '-' only")
    return v


_DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9.+-]+$")
"""A Debian package name (Debian policy 5.6.1)."""


def python_version(v: str) -> str:
    """``v`` if it names a Python 3 version like '3.11' or '3.11.7'.

    Raises:
        ValueError: it does not.
    """
    if not re.match(r"^3\.\d+(\.\d+)?$", v):
        raise ValueError(f"{v!r} is not a Python version like '3.11'")
    return v


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reference(_Frozen):
    """The reference solution: a commit of the repository, or a unified diff."""

    commit: str | None = Field(None, description="Commit whose change (from base) is the fix.")
    patch: str | None = Field(None, description="Unified diff of the fix against base.")

    @model_validator(mode="after")
    def _one_of(self) -> Reference:
        if (self.commit is None) == (self.patch is None):
            raise ValueError("give exactly one of 'commit' or 'patch'")
        if self.commit is not None and not _SHA.match(self.commit):
            raise ValueError(f"commit {self.commit!r} is not a hex sha")
        return self


class HiddenTests(_Frozen):
    """The tests the model never sees, and which of their ids decide the verdict."""

    files: list[str] = Field(
        default_factory=list,
        description="Test files whose content is taken from the reference commit.",
    )
    patch: str | None = Field(None, description="Unified diff that adds or changes the tests.")
    fail_to_pass: list[str] = Field(
        description="Test ids (the runner's own: pytest node ids) that fail at base and must "
        "pass after the fix."
    )
    pass_to_pass: list[str] = Field(
        default_factory=list, description="Test ids that pass at base and must keep passing."
    )

    @model_validator(mode="after")
    def _source(self) -> HiddenTests:
        if not self.files and self.patch is None:
            raise ValueError("give 'files' or 'patch'")
        if not self.fail_to_pass:
            raise ValueError("fail_to_pass must name at least one test")
        return self


class Environment(_Frozen):
    """How to build the task's Python environment and run its tests.

    The venv holds the dependencies only and is shared by every task with the same key; the
    checkout itself is put on ``PYTHONPATH`` so one venv serves many commits.
    """

    python: str = Field("3.11", description="Python version for the venv, e.g. '3.11'.")
    packages: list[str] = Field(
        default_factory=list, description="Requirements installed into the venv with uv."
    )
    pythonpath: list[str] = Field(
        default_factory=lambda: ["."],
        description="Checkout folders put on PYTHONPATH (e.g. 'src' for a src layout).",
    )
    setup: list[list[str]] = Field(
        default_factory=list,
        description="Commands (argv) run in the checkout, in the sandbox, before the tests.",
    )
    runner: str = Field(
        "pytest",
        description="The test runner (pytest, vitest, or one a package registers); test ids "
        "and test_cmd are its own.",
    )
    test_cmd: list[str] = Field(
        default_factory=lambda: ["python", "-m", "pytest"],
        description="argv prefix that runs the tests; test ids are appended. Left out for "
        "another runner than pytest, or empty: the runner's default command.",
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Extra environment variables for setup and tests."
    )
    exclude_newer: datetime | None = Field(
        None,
        description="Resolve dependencies as published before this date; default: the task's "
        "created_at.",
    )
    lock: SkipJsonSchema[LockedEnv | None] = Field(
        None,
        exclude=True,
        description="The pinned closure from the suite's environments.lock, attached by "
        "load_suite; never part of a task file.",
    )
    system_packages: list[str] = Field(
        default_factory=list,
        description="Debian packages the tests need (e.g. 'libmagic1'); installed only by the "
        "docker sandbox, which builds them into the environment's image.",
    )
    note: str | None = Field(
        None,
        description="How this environment was found: what inference read and what it had to "
        "guess (informational; not part of the environment's key).",
    )

    @field_validator("python")
    @classmethod
    def _python(cls, v: str) -> str:
        return python_version(v)

    @field_validator("runner")
    @classmethod
    def _runner(cls, v: str) -> str:
        return task_id(v)

    @field_validator("system_packages")
    @classmethod
    def _debian_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not _DEBIAN_NAME.match(name):
                raise ValueError(f"{name!r} is not a Debian package name (like 'libmagic1')")
        return v

    @model_validator(mode="before")
    @classmethod
    def _no_lock_in_files(cls, data: Any) -> Any:
        """A lock comes from the suite's lock file (attached after validation), never a spec."""
        if isinstance(data, dict) and data.get("lock") is not None:
            raise ValueError("'lock' is set from the suite's environments.lock, not in a task")
        return data

    @model_validator(mode="before")
    @classmethod
    def _runner_command(cls, data: Any) -> Any:
        """Another runner's tests are not started with pytest's default command."""
        if isinstance(data, dict) and data.get("runner", "pytest") != "pytest":
            return {"test_cmd": [], **data}
        return data

    def key(self, repo: str) -> str:
        """Content hash of everything that shapes the venv (its cache key).

        Unlocked: repository, Python and the sorted packages. Locked: repository, Python and the
        sorted pins, so tasks with the same closure share a venv and a new lock a new one. System
        packages, when there are any, are part of it too.
        """
        shape: dict[str, object] = {"repo": repo, "python": self.python}
        if self.lock is None:
            shape["packages"] = sorted(self.packages)
        else:
            shape["resolved"] = sorted(self.lock.resolved)
        if self.system_packages:  # absent otherwise, so that existing keys stay as they were
            shape["system_packages"] = sorted(set(self.system_packages))
        payload = json.dumps(shape, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


class LintSettings(_Frozen):
    """Optional lint settings when the repository has no configuration of its own."""

    select: list[str] = Field(default_factory=list, description="ruff rule codes to select.")
    ignore: list[str] = Field(default_factory=list, description="ruff rule codes to ignore.")
    line_length: int | None = Field(None, description="Maximum line length.")


class IsolatedFunction(_Frozen):
    """The function an isolated (HumanEval-style) task asks for."""

    path: str = Field(description="File holding the function, relative to the repository root.")
    qualname: str = Field(description="'name' or 'Class.name'.")
    prompt: str = Field(description="Decorators, signature and docstring, dedented: all it sees.")


Category = Literal["bug", "feature", "refactor", "performance", "security"]
"""What kind of change a task's fix is."""


class Difficulty(_Frozen):
    """Size facts of the reference change, counted on its non-test Python source files."""

    files: int = Field(ge=0, description="Non-test source files the reference changes.")
    hunks: int = Field(ge=0, description="Hunks ('@@' headers) of the change to those files.")
    lines: int = Field(ge=0, description="Lines added plus lines deleted in those files.")


class Strength(_Frozen):
    """How the hidden tests fare against plausible wrong fixes: mutants of the reference
    change (a hunk left out, a condition negated, an early return, a bound off by one)."""

    mutants: int = Field(
        ge=0,
        description="Mutants graded (those whose grading ended in an environment-error are "
        "not counted); 0 when the change has nothing to mutate.",
    )
    caught: int = Field(ge=0, description="Mutants the FAIL_TO_PASS and PASS_TO_PASS tests fail.")
    survived: list[str] = Field(
        default_factory=list,
        description="Each mutant the tests let pass: its kind, then where and what it changed.",
    )

    @model_validator(mode="after")
    def _counts(self) -> Strength:
        if self.caught > self.mutants:
            raise ValueError(f"caught ({self.caught}) is more than mutants ({self.mutants})")
        if len(self.survived) != self.mutants - self.caught:
            raise ValueError("survived must name each mutant not caught (mutants - caught)")
        return self

    @property
    def share(self) -> float | None:
        """The share of mutants caught; ``None`` when there were none."""
        return self.caught / self.mutants if self.mutants else None


class Task(_Frozen):
    """One repo-level task: a repository pinned at a commit, a problem, and hidden tests."""

    schema_version: Literal[1] = Field(1, description="Version of this format.")
    id: str = Field(description="Unique task id, e.g. 'sqlparse-0042'.")
    repo: str = Field(description="https://github.com/OWNER/NAME, a local path, or file:// URL.")
    base_commit: str = Field(description="Commit the model starts from.")
    created_at: datetime = Field(
        description="Committer date of the fix commit: the day the fix became public "
        "(for contamination cuts)."
    )
    problem_statement: str = Field(description="The issue, as a reporter would write it.")
    statement_may_name: list[str] = Field(
        default_factory=list,
        description="Names the statement may mention although the fix introduces them: the "
        "new API a feature's hidden tests call (the leak check allows these only).",
    )
    reference: Reference
    hidden_tests: HiddenTests
    environment: Environment = Field(default_factory=Environment)
    lint: LintSettings | None = None
    kind: Literal["repo", "isolated"] = Field(
        "repo", description="repo: edit the repository; isolated: write one function blind."
    )
    isolated: IsolatedFunction | None = Field(
        None, description="The function asked for; required when kind is 'isolated'."
    )
    category: Category | None = Field(
        None,
        description="What kind of change the fix is: bug, feature, refactor, performance or "
        "security (left out when unknown).",
    )
    difficulty: Difficulty | None = Field(
        None, description="Size of the reference change (left out when not measured)."
    )
    strength: Strength | None = Field(
        None,
        description="How many mutants of the reference the hidden tests catch, as `proctor "
        "tasks strength --write` measured it (left out when not measured).",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return migrate_record(data, SCHEMA_VERSION, TASK_MIGRATIONS)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_newer(cls, v: Any) -> Any:
        return check_schema_version(v, SCHEMA_VERSION)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return task_id(v)

    @field_validator("base_commit")
    @classmethod
    def _sha(cls, v: str) -> str:
        if not _SHA.match(v):
            raise ValueError(f"{v!r} is not a hex sha")
        return v

    @field_validator("problem_statement")
    @classmethod
    def _statement(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v

    @model_validator(mode="after")
    def _files_need_commit(self) -> Task:
        if self.hidden_tests.files and self.reference.commit is None:
            raise ValueError("hidden_tests.files needs reference.commit to read them from")
        return self

    @model_validator(mode="after")
    def _isolated_needs_function(self) -> Task:
        if (self.kind == "isolated") != (self.isolated is not None):
            raise ValueError("kind 'isolated' and the 'isolated' field go together")
        return self

    @property
    def env_key(self) -> str:
        """Cache key of this task's environment."""
        return self.environment.key(self.repo)

    @property
    def resolve_date(self) -> datetime:
        """Dependencies resolve as published before this: environment.exclude_newer or
        created_at."""
        return self.environment.exclude_newer or self.created_at

    @property
    def lock_inputs(self) -> str:
        """Hash of what this task's resolution depends on (see :func:`lock_inputs`)."""
        env = self.environment
        return lock_inputs(self.repo, env.python, env.packages, self.resolve_date)

    @property
    def test_ids(self) -> list[str]:
        """FAIL_TO_PASS then PASS_TO_PASS, without duplicates."""
        return list(
            dict.fromkeys([*self.hidden_tests.fail_to_pass, *self.hidden_tests.pass_to_pass])
        )
