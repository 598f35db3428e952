"""Grading an attempt: the hidden-test phase, and the quality of a change beyond its tests.

:func:`grade_hidden` is the whole hidden-test phase (protected paths restored, canaries
planted, the tests run in the sandbox, the verdict judged against what only proctor knows),
after :func:`prepare_for_grading` has put the hidden tests in place; :func:`not_found_ids`
checks a claim that test ids do not exist. :func:`grade_quality` (from
:mod:`proctor.grade.quality`) reads lint, conventions, hygiene and security off the change,
then runs every :class:`QualityCheck` given to :func:`register_quality_check`.
"""

from proctor.grade.hidden import TestVerdict, prepare_for_grading
from proctor.grade.notfound import not_found_ids
from proctor.grade.quality import (
    CheckResult,
    Finding,
    QualityCheck,
    QualityReport,
    grade_quality,
    register_quality_check,
    unregister_quality_check,
)
from proctor.grade.session import HiddenRun, Timeouts, grade_hidden, write_log

__all__ = [
    "CheckResult",
    "Finding",
    "HiddenRun",
    "QualityCheck",
    "QualityReport",
    "TestVerdict",
    "Timeouts",
    "grade_hidden",
    "grade_quality",
    "not_found_ids",
    "prepare_for_grading",
    "register_quality_check",
    "unregister_quality_check",
    "write_log",
]
