"""The source record of a suite whose tasks point at a derived repository.

A repository that ``proctor synth`` makes (``repos/synth/NAME.git``) is not committed: the
suite keeps ``derived.yaml`` beside its task files instead, naming the repository it was
derived from, the commit, and the functions whose bodies were removed. Deriving is pure git
work with a fixed identity and date, so that record rebuilds the repository with the same
shas (``proctor repos fetch``), without running a test::

    schema_version: 1
    path: repos/synth/cachetools.git
    source: https://github.com/tkem/cachetools
    commit: 28d4506f2a49d781ffbcecb095fa7aba5bb80aff
    functions:
    - path: src/cachetools/__init__.py
      qualname: FIFOCache.popitem
      line: 185
      stem: cachetools-cachetools.FIFOCache.popitem
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from proctor.errors import SpecError
from proctor.spec.models import task_id
from proctor.spec.versions import check_schema_version
from proctor.spec.yamlfile import load_model

DERIVED_NAME = "derived.yaml"
"""File name of the record in a suite folder (never read as a task file)."""
DERIVED_VERSION = 1
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


class DerivedFunction(BaseModel):
    """One function whose body the derived repository removes (one base/fix pair)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(description="File holding the function, relative to the repository root.")
    qualname: str = Field(description="'name' or 'Class.name'.")
    line: int = Field(
        ge=1, description="First line of its definition (its first decorator's) at the commit."
    )
    stem: str = Field(description="Task id stem; it names the pair's refs and commit messages.")

    @field_validator("stem")
    @classmethod
    def _stem(cls, v: str) -> str:
        return task_id(v)


class DerivedRepo(BaseModel):
    """Where a suite's derived repository comes from and how to make it again."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = Field(1, description="Version of this format.")
    path: str = Field(description="The repository as the suite's tasks name it (their 'repo').")
    source: str = Field(description="Repository derived from: URL or local path.")
    commit: str = Field(description="Full sha of the source commit every pair starts from.")
    functions: list[DerivedFunction] = Field(
        min_length=1, description="The functions, each one base/fix pair of commits."
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_newer(cls, v: Any) -> Any:
        return check_schema_version(v, DERIVED_VERSION)

    @field_validator("commit")
    @classmethod
    def _full_sha(cls, v: str) -> str:
        if not _FULL_SHA.match(v):
            raise ValueError(f"{v!r} is not a full 40-character sha")
        return v

    @field_validator("functions")
    @classmethod
    def _distinct(cls, v: list[DerivedFunction]) -> list[DerivedFunction]:
        stems = [f.stem for f in v]
        twice = sorted({s for s in stems if stems.count(s) > 1})
        if twice:
            raise ValueError(f"stem {twice[0]!r} is given more than once")
        return v


def derived_files(suite: Path) -> list[Path]:
    """The records of a suite folder (recursively), or of the folder of a single task file."""
    folder = suite.parent if suite.is_file() else suite
    if not folder.is_dir():
        return []
    return sorted(folder.rglob(DERIVED_NAME))


def load_derived(path: Path) -> DerivedRepo:
    """Read one ``derived.yaml``.

    Raises:
        SpecError: the file cannot be read, is not YAML, or does not validate (naming the
            file, the first bad field and the problem).
    """
    return load_model(path, DerivedRepo)


def load_suite_derived(suite: Path) -> list[DerivedRepo]:
    """Every record of ``suite`` (see :func:`derived_files`).

    Raises:
        SpecError: one is malformed, or two describe the same repository differently.
    """
    records: dict[str, tuple[Path, DerivedRepo]] = {}
    for file in derived_files(suite):
        record = load_derived(file)
        seen = records.get(record.path)
        if seen is not None and seen[1] != record:
            raise SpecError(str(file), "path", f"{record.path} is also described by {seen[0]}")
        records[record.path] = (file, record)
    return [record for _, record in records.values()]


def dump_derived(record: DerivedRepo) -> str:
    """YAML text of a record, fields in the model's order."""
    data = record.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
