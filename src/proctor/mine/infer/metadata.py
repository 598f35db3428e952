"""What a project says about itself, whichever file says it (pyproject, setup.cfg, setup.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Metadata", "is_test_name", "normalize"]

_TEST_NAMES = frozenset({"test", "tests", "testing", "dev"})


def normalize(name: str) -> str:
    """A project, extra or group name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_test_name(name: str) -> bool:
    """Whether an extra, group or environment named ``name`` holds what tests need."""
    norm = normalize(name)
    return norm in _TEST_NAMES or "test" in norm


@dataclass
class Metadata:
    """The project's own metadata, as one file declares it."""

    source: str
    """The file (and table) it was read from, e.g. ``pyproject.toml [project]``."""
    name: str | None = None
    """The distribution name."""
    requires_python: str | None = None
    """A PEP 440 specifier for the Python versions it supports."""
    classifiers: list[str] = field(default_factory=list)
    """Trove classifiers."""
    dependencies: list[str] | None = None
    """Runtime requirements (PEP 508); None when the file does not say (or says dynamically)."""
    extras: dict[str, list[str]] = field(default_factory=dict)
    """Optional dependencies by extra name."""
