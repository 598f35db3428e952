"""Versioned formats: older records are migrated step by step, newer ones refused by name."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError, field_validator, model_validator

from proctor.spec import NEWER_SCHEMA, check_schema_version, migrate_record


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    data["name"] = data.pop("title")
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    data["tags"] = data.get("tags") or []
    return data


STEPS = {1: _v1_to_v2, 2: _v2_to_v3}


class Record(BaseModel):
    """A toy format at version 3."""

    schema_version: Literal[3] = 3
    name: str
    tags: list[str]

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return migrate_record(data, 3, STEPS)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_newer(cls, v: Any) -> Any:
        return check_schema_version(v, 3)


def test_older_records_go_through_every_step() -> None:
    old = {"schema_version": 1, "title": "x"}
    assert Record.model_validate(old) == Record(name="x", tags=[])
    assert old == {"schema_version": 1, "title": "x"}  # the caller's data is not changed
    assert Record.model_validate({"schema_version": 2, "name": "y"}).name == "y"


def test_current_and_versionless_records_are_not_migrated() -> None:
    assert Record.model_validate({"name": "z", "tags": ["t"]}).tags == ["t"]
    with pytest.raises(ValidationError, match="tags"):
        Record.model_validate({"schema_version": 3, "title": "x"})


def test_a_newer_record_is_one_error_on_its_version() -> None:
    with pytest.raises(ValidationError) as info:
        Record.model_validate({"schema_version": 4, "whatever": 1})
    (error,) = [e for e in info.value.errors() if e["loc"] == ("schema_version",)]
    assert error["type"] == NEWER_SCHEMA
    assert error["msg"] == "4 is newer than this proctor reads (3); upgrade proctor"
    assert info.value.errors()[0] == error


@pytest.mark.parametrize("version", [0, True, "1"])
def test_odd_versions_are_left_to_the_model(version: object) -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        Record.model_validate({"schema_version": version, "name": "x", "tags": []})
