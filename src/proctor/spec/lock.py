"""The environments lock of a suite: every task's pinned dependency closure, beside its files.

A folder of task files may hold :data:`LOCK_FILE`, written by ``proctor env lock`` only: a
task's lock is the one beside its file, so a suite of subfolders has one in each. For each task
it records what the resolution depended on (:func:`lock_inputs`: repository, Python, packages
and the resolve date, hashed) and what it resolved to: the full closure, ``name==version``,
test tools included. :func:`proctor.spec.load_suite` attaches each entry to its task's
environment, which then installs exactly those pins and is cached by them; an entry whose
inputs no longer match its task is stale and refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from proctor.spec.versions import check_schema_version
from proctor.spec.yamlfile import load_model

LOCK_SCHEMA_VERSION = 1
"""Version of the lock format."""

LOCK_FILE = "environments.lock"
"""File name of a suite's lock, in the suite's folder."""

_NAME_END = re.compile(r"[\s=<>!~;@\[]")


def utc_stamp(when: datetime) -> str:
    """``when`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (a date without a zone is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_pins(pins: Sequence[str]) -> list[str]:
    """``pins`` sorted by project name (case-insensitive), then as written."""
    return sorted(pins, key=lambda p: (_NAME_END.split(p.strip(), maxsplit=1)[0].lower(), p))


def lock_inputs(repo: str, python: str, packages: Sequence[str], resolve_date: datetime) -> str:
    """Hash of everything a task's resolution depends on (a lock entry is valid while equal)."""
    payload = json.dumps(
        {
            "repo": repo,
            "python": python,
            "packages": sorted(packages),
            "resolve_date": utc_stamp(resolve_date),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


class LockedEnv(BaseModel):
    """One task's locked environment: the full pinned closure and what it was resolved from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: str = Field(
        description="Hash of repo, python, sorted packages and resolve date (lock_inputs)."
    )
    python: str = Field(description="Python version the closure was resolved for.")
    exclude_newer: datetime = Field(
        description="The resolve date used: only releases published before it were candidates."
    )
    resolved: list[str] = Field(
        description="The full closure, one 'name==version' requirement each, sorted; installed "
        "as they are, without resolving again."
    )

    @field_validator("resolved")
    @classmethod
    def _pins(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if not p.strip() or p.lstrip().startswith("-")]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a requirement")
        return v


class EnvironmentsLock(BaseModel):
    """The content of :data:`LOCK_FILE`: one locked environment per task id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = Field(1, description="Version of this format.")
    tasks: dict[str, LockedEnv] = Field(
        default_factory=dict, description="Locked environment of each task, by task id."
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_newer(cls, v: Any) -> Any:
        return check_schema_version(v, LOCK_SCHEMA_VERSION)


def lock_path(suite: Path) -> Path:
    """Where the lock of the tasks in the folder ``suite`` lives, or of the task file ``suite``
    (its folder's); the tasks of a subfolder have the subfolder's."""
    return (suite if suite.is_dir() else suite.parent) / LOCK_FILE


def read_lock(path: Path) -> EnvironmentsLock:
    """Read and validate a lock file.

    Raises:
        SpecError: naming the file (and the field) when it cannot be read or does not validate.
    """
    return load_model(path, EnvironmentsLock)


def dump_lock(lock: EnvironmentsLock) -> str:
    """YAML text of a lock, tasks sorted by id and each closure sorted."""
    data = lock.model_dump(mode="json")
    data["tasks"] = {
        tid: {**entry, "resolved": sort_pins(entry["resolved"])}
        for tid, entry in sorted(data["tasks"].items())
    }
    return yaml.safe_dump(data, sort_keys=False, width=100)
