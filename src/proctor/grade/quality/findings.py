"""What the quality checks report, and the line-level view of a change they share.

The models are versioned by their field order (it is part of the format). Which checks decide
:attr:`QualityReport.clean`:

* ``lint`` — no NEW lint finding (one not matched at base by rule and line text) of a rule the
  repository holds (``new``; a rule the base of the changed files already breaks is not held,
  and its findings are reported as ``tolerated``);
* ``conventions`` — no departure from a norm the repository keeps (names, docstrings,
  annotations; quotes and imports are reported as ``style`` only);
* ``hygiene`` — none of what a reviewer sends back: ``tampering`` (tests or test configuration
  edited), ``debug`` leftovers, ``commented_code``, a new ``dependency``, a
  ``swallowed_exception``, a file ``outside_reference`` (the reference fix's footprint).

A deciding check that itself failed (``ok=False`` with an ``error`` finding) also makes the
change not clean: nothing can be vouched for. ``format``, ``security``, ``size`` and the
``checks`` packages registered (:func:`~proctor.grade.quality.register_quality_check`) are
reported but never decide. ``benchmarks/holdsup_precision.py`` measures how often a reference
fix is found not clean (false alarms) and how often a review defect injected into one is caught.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

_DECIDING_HYGIENE_KINDS = frozenset(
    {
        "tampering",
        "debug",
        "commented_code",
        "dependency",
        "swallowed_exception",
        "outside_reference",
        "error",
    }
)
_DECIDING_LINT_KINDS = frozenset({"new", "error"})
_DECIDING_CONVENTION_KINDS = frozenset({"departure", "error"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Frozen):
    """One thing a check noticed about the change."""

    check: str = Field(description="Check that found it: lint, format, conventions, ...")
    kind: str = Field(description="What it is: new, departure, tampering, debug, error, ...")
    path: str = Field(description="Repository-relative path ('' when not about one file).")
    line: int | None = Field(description="1-based line in the changed file, if any.")
    message: str = Field(description="What was seen, in one line.")
    rule: str | None = Field(None, description="Rule code or check name, e.g. E501.")
    norm: str | None = Field(None, description="The repository norm departed from, if any.")


class CheckResult(_Frozen):
    """The outcome of one check."""

    name: str = Field(description="lint, format, conventions, hygiene or security.")
    ok: bool = Field(description="True when the check found nothing against the change.")
    findings: list[Finding] = Field(default_factory=list, description="What it found.")
    summary: str = Field("", description="One line for humans.")
    details: dict[str, Any] = Field(
        default_factory=dict, description="Check-specific data (norms, config used, counts)."
    )


class QualityReport(_Frozen):
    """Every quality check of one change, beyond the hidden tests."""

    lint: CheckResult
    format: CheckResult
    conventions: CheckResult
    hygiene: CheckResult
    security: CheckResult
    size: dict[str, int | float | None] = Field(
        default_factory=dict, description="Lines and files touched, and ratios to the reference."
    )
    checks: list[CheckResult] = Field(
        default_factory=list,
        description="Results of the checks packages registered (reported, never deciding).",
    )

    @model_serializer(mode="wrap")
    def _registered_only_when_any(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Records written without registered checks stay as they were before the field existed.
        data = handler(self)
        if isinstance(data, dict) and not data.get("checks"):
            data.pop("checks", None)
        return data

    @property
    def clean(self) -> bool:
        """No deciding finding (see the module docstring)."""
        return not self.deciding

    @property
    def deciding(self) -> list[Finding]:
        """The findings that make the change not clean (empty when it is clean)."""
        lint = [f for f in self.lint.findings if f.kind in _DECIDING_LINT_KINDS]
        hygiene = [f for f in self.hygiene.findings if f.kind in _DECIDING_HYGIENE_KINDS]
        conventions = [f for f in self.conventions.findings if f.kind in _DECIDING_CONVENTION_KINDS]
        return [*lint, *conventions, *hygiene]

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every check, deciding or not."""
        results = (self.lint, self.format, self.conventions, self.hygiene, self.security)
        return [f for result in (*results, *self.checks) for f in result.findings]

    def holds_up(self, resolved: bool) -> bool:
        """Whether a change that resolved its task (hidden tests pass) is also clean."""
        return resolved and self.clean


def error_result(name: str, what: str, exc: BaseException | str) -> CheckResult:
    """A failed check: ``ok=False`` with one ``error`` finding explaining why."""
    reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    finding = Finding(
        check=name, kind="error", path="", line=None, message=f"{what}: {reason}", rule=None
    )
    return CheckResult(name=name, ok=False, findings=[finding], summary=f"{name} failed: {what}")


# --- the line-level view of a change -------------------------------------------------------


def base_text(root: Path, base: Mapping[str, str | None], rel: str) -> str | None:
    """Text of ``rel`` at base: from ``base`` when the change touched it, else from ``root``."""
    if rel in base:
        return base[rel]
    path = root / rel
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


_TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_path(path: str) -> bool:
    """Whether ``path`` is test code: under tests/, test_*.py, *_test.py or conftest.py."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        any(part in _TEST_DIRS for part in parts[:-1])
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def differing_paths(base: Mapping[str, str | None], after: Mapping[str, str | None]) -> list[str]:
    """Paths whose text differs between base and after, sorted."""
    paths = set(base) | set(after)
    return sorted(p for p in paths if base.get(p) != after.get(p))


def added_lines(old: str | None, new: str | None) -> set[int]:
    """1-based numbers of the lines of ``new`` that the change added or rewrote."""
    if new is None:
        return set()
    new_lines = new.splitlines()
    if old is None:
        return set(range(1, len(new_lines) + 1))
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new_lines, autojunk=False)
    added: set[int] = set()
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            added.update(range(j1 + 1, j2 + 1))
    return added


def line_delta(old: str | None, new: str | None) -> tuple[int, int]:
    """Lines added and lines removed going from ``old`` to ``new`` (as ``git diff`` counts)."""
    old_lines = old.splitlines() if old is not None else []
    new_lines = new.splitlines() if new is not None else []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    plus = minus = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            minus += i2 - i1
            plus += j2 - j1
    return plus, minus
