"""Grading beyond tests: lint delta, formatting, conventions, hygiene and security of a change.

Everything here is pure analysis of text and configuration: the repository's code is never
imported or run (ruff runs on copies, and executes nothing). One entry point,
:func:`grade_quality`; see :class:`QualityReport` for what decides ``clean``. Further checks
(a :class:`QualityCheck`) join through :func:`register_quality_check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from proctor.grade.quality.config import configured_line_length
from proctor.grade.quality.conventions import base_sources, check_conventions
from proctor.grade.quality.findings import (
    CheckResult,
    Finding,
    QualityReport,
    differing_paths,
    error_result,
)
from proctor.grade.quality.hygiene import check_hygiene, size_stats
from proctor.grade.quality.lint import check_lint
from proctor.grade.quality.registry import (
    QualityCheck,
    register_quality_check,
    run_registered_checks,
    unregister_quality_check,
)
from proctor.spec import LintSettings

__all__ = [
    "CheckResult",
    "Finding",
    "QualityCheck",
    "QualityReport",
    "grade_quality",
    "register_quality_check",
    "unregister_quality_check",
]


def grade_quality(
    root: Path,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    *,
    reference_paths: Sequence[str] = (),
    reference_lines: int | None = None,
    lint_settings: LintSettings | None = None,
) -> QualityReport:
    """Grade the quality of a change beyond its tests.

    Args:
        root: the repository working tree after the change.
        base: text at the base commit of every changed path (None: did not exist).
        after: text after the change of every changed path (None: deleted).
        reference_paths: paths the reference (gold) change touches.
        reference_lines: lines the reference change adds plus removes.
        lint_settings: the task's lint settings, used when the repository has none.

    Returns:
        Every check's result, the registered checks' last; a check that fails has
        ``ok=False`` and an ``error`` finding, it never raises.
    """
    outcome = check_lint(root, base, after, lint_settings)
    sources: dict[str, str] = {}
    try:
        sources = base_sources(root, base)
        conventions = repo_conventions(root, base, after, sources)
    except Exception as exc:  # a failing check must never crash grading
        conventions = error_result("conventions", "cannot learn or check conventions", exc)
    try:
        hygiene = check_hygiene(base, after, sources=sources, reference_paths=reference_paths)
    except Exception as exc:  # a failing check must never crash grading
        hygiene = error_result("hygiene", "cannot check hygiene", exc)
    size = size_stats(differing_paths(base, after), base, after, reference_paths, reference_lines)
    return QualityReport(
        lint=outcome.lint,
        format=outcome.format,
        conventions=conventions,
        hygiene=hygiene,
        security=outcome.security,
        size=size,
        checks=run_registered_checks(root, base, after),
    )


def repo_conventions(
    root: Path,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    sources: Mapping[str, str],
) -> CheckResult:
    """The conventions check as grading runs it: norms learned from ``sources`` (the base's
    Python files). Line length is left to the lint check: a repository holds a line length
    only where its own lint selects E501, and then the lint delta flags new long lines; the
    share of lines that happen to fit a width is no norm (its limit is still reported)."""
    return check_conventions(
        root,
        base,
        after,
        sources=sources,
        line_limit=configured_line_length(root, base),
        check_line_length=False,
    )
