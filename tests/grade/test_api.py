"""The public API of proctor.grade: what ``run`` composes, and nothing of its modules."""

from __future__ import annotations

import proctor.grade


def test_all_is_pinned() -> None:
    assert proctor.grade.__all__ == [
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
    assert all(hasattr(proctor.grade, name) for name in proctor.grade.__all__)
