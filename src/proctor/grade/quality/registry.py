"""Quality checks a package adds: one Protocol, one registry, run after the built-in checks.

A check reads the change as text (never imports or runs the repository's code) and returns a
:class:`~proctor.grade.quality.findings.CheckResult`. Its result lands in
:attr:`QualityReport.checks <proctor.grade.quality.findings.QualityReport.checks>`: reported
with every graded attempt, but it never decides ``clean`` (the built-in deciding checks do).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from proctor.errors import ConfigError
from proctor.grade.quality.findings import CheckResult, error_result

BUILT_IN_CHECKS = frozenset({"lint", "format", "conventions", "hygiene", "security"})
"""Names of the checks :func:`~proctor.grade.quality.grade_quality` always runs."""


class QualityCheck(Protocol):
    """One check of a change beyond its tests."""

    def __call__(
        self, root: Path, base: Mapping[str, str | None], after: Mapping[str, str | None]
    ) -> CheckResult:
        """Judge the change.

        Args:
            root: the repository working tree after the change (read it, never run it).
            base: text at the base commit of every changed path (None: did not exist).
            after: text after the change of every changed path (None: deleted).

        Returns:
            ``ok=False`` when it found something against the change. Whatever it raises
            becomes an ``error`` finding of a failed result; grading goes on.
        """
        ...


_CHECKS: dict[str, QualityCheck] = {}


def register_quality_check(name: str, check: QualityCheck) -> None:
    """Run ``check`` in every quality grading from now on, its result named ``name`` (a later
    registration of the same name wins).

    Raises:
        ConfigError: ``name`` is a built-in check's.
    """
    if name in BUILT_IN_CHECKS:
        raise ConfigError(f"quality check {name!r} is built in and cannot be replaced")
    _CHECKS[name] = check


def unregister_quality_check(name: str) -> None:
    """Stop running the check registered as ``name`` (nothing when none is)."""
    _CHECKS.pop(name, None)


def run_registered_checks(
    root: Path, base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> list[CheckResult]:
    """The results of every registered check, by name; one that raises fails alone."""
    results: list[CheckResult] = []
    for name, check in sorted(_CHECKS.items()):
        try:
            results.append(check(root, base, after))
        except Exception as exc:  # a failing check must never crash grading
            results.append(error_result(name, "the check raised", exc))
    return results
