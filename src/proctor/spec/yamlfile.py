"""Read a YAML file into a pydantic model, with one error line naming the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from proctor.errors import SpecError

M = TypeVar("M", bound=BaseModel)


def first_error(source: str, exc: ValidationError) -> SpecError:
    """The first problem pydantic found, as one :class:`SpecError` naming ``source``."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    return SpecError(source, field, err["msg"].removeprefix("Value error, "))


def read_yaml(path: Path) -> object:
    """The parsed content of a YAML file.

    Raises:
        SpecError: the file cannot be read or is not YAML (with the line where known).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(path), "", f"cannot read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(str(path), "", f"not valid YAML{where}") from None


def validate_mapping(model: type[M], data: object, source: str) -> M:
    """``data`` validated as ``model``.

    Raises:
        SpecError: ``data`` is not a mapping, or does not validate.
    """
    if not isinstance(data, dict):
        raise SpecError(source, "", "expected a mapping of fields at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_error(source, exc) from None


def load_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``.

    Raises:
        SpecError: the file cannot be read, is not YAML or does not validate.
    """
    return validate_mapping(model, read_yaml(path), str(path))
