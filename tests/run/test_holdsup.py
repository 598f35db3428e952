"""The quality grading of several changes of one task on one checkout, as an attempt grades."""

from __future__ import annotations

import re
from pathlib import Path

from proctor.errors import PatchError
from proctor.grade.quality.defects import inject
from proctor.repo import apply_patch, diff_from_base, sealed_checkout
from proctor.run import References, grade_patches
from proctor.run.phases import quality_phase
from proctor.settings import Settings
from proctor.spec import Task


def test_each_change_is_graded_as_an_attempt_grades_it_then_undone(
    calc: tuple[Task, Path], settings: Settings, tmp_path: Path
) -> None:
    task, _ = calc
    source = References([task], settings.repos_dir).source(task.id)
    checkout = sealed_checkout(source.git_dir, task.base_commit, tmp_path / "checkout")
    defect = inject("swallowed_exception", source.gold_patch, checkout)
    assert defect is not None
    broken = re.sub(r"^-(?!--).*$", "-no such line", source.gold_patch, count=1, flags=re.M)
    patches = {"gold": source.gold_patch, "broken": broken, "defect": defect.patch}
    graded = dict(grade_patches(task, source, checkout, patches))
    assert diff_from_base(checkout) == ""  # left as it was found

    attempt = sealed_checkout(source.git_dir, task.base_commit, tmp_path / "attempt")
    apply_patch(attempt, source.gold_patch)
    expected = quality_phase(task, attempt, source.gold_patch, source.gold_patch)
    gold = graded["gold"]
    assert not isinstance(gold, PatchError)
    assert gold.model_dump() == expected.model_dump() and gold.clean
    assert isinstance(graded["broken"], PatchError)
    swallowed = graded["defect"]
    assert not isinstance(swallowed, PatchError)
    assert [f.rule for f in swallowed.deciding] == ["swallowed_exception"]
