"""Versioned formats: older records are migrated, newer ones refused in one clear error.

A format proctor writes and reads back (a task file, a result) carries ``schema_version``. A
record of an older version is brought up to date before it is validated, one step at a time,
in a ``model_validator(mode="before")`` (as inspect_ai's log does); a record of a version newer
than this proctor knows is refused with one error on ``schema_version`` rather than misread.
A record without ``schema_version`` is taken to be current: every format wrote it from its
first version on, so only a record made in code lacks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic_core import PydanticCustomError

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""One step: a raw record of version N in, the same record as version N + 1 out."""

NEWER_SCHEMA = "newer_schema_version"
"""The error type of a record newer than this proctor reads (see :func:`check_schema_version`)."""


def migrate_record(data: Any, current: int, steps: Mapping[int, Migration]) -> Any:
    """``data`` brought from its ``schema_version`` up to ``current`` through ``steps``.

    ``steps[n]`` turns version ``n`` into ``n + 1``. Anything that is not an older record (not
    a mapping, no version, a current, newer or malformed one) is returned as it is, for the
    model's own validation to accept or name.
    """
    if not isinstance(data, dict):
        return data
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < current:
        return data
    record: dict[str, Any] = dict(data)
    while version < current:
        record = steps[version](record)
        version += 1
        record["schema_version"] = version
    return record


def check_schema_version(value: Any, current: int) -> Any:
    """For ``field_validator("schema_version", mode="before")``: refuse a newer version.

    Raises:
        PydanticCustomError: of type :data:`NEWER_SCHEMA`, ``value`` is above ``current``.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value > current:
        raise PydanticCustomError(
            NEWER_SCHEMA,
            "{version} is newer than this proctor reads ({current}); upgrade proctor",
            {"version": value, "current": current},
        )
    return value
