"""The quality half of "holds up", without the hidden tests: how good is the grader itself?

A run decides ``holds_up`` as resolved and :attr:`~proctor.grade.QualityReport.clean`. For a
reference fix the first half is known (the suite was validated), so the grader's false alarms
and catches can be measured with the quality grading alone. :func:`grade_patches` runs exactly
the grading an attempt runs (:func:`~proctor.run.phases.quality_phase` on a sealed checkout of
the base with the change applied), for several changes of one task on one checkout: each is
applied, graded and undone in turn.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from proctor.errors import PatchError
from proctor.grade import QualityReport
from proctor.repo import apply_patch, restore_paths, touched_paths
from proctor.run.phases import quality_phase
from proctor.run.references import TaskSource
from proctor.spec import Task


def grade_patches(
    task: Task, source: TaskSource, checkout: Path, patches: Mapping[str, str]
) -> Iterator[tuple[str, QualityReport | PatchError]]:
    """The quality report of each change (name -> patch), as an attempt would grade it.

    Args:
        task: the task the changes answer.
        source: its repository and reference patches (``gold_patch`` sizes the footprint).
        patches: changes to grade, each a diff from the task's base commit.
        checkout: a sealed checkout of the task's base commit
            (:func:`~proctor.repo.sealed_checkout`); left as it was found after each change.

    Yields:
        (name, report), or (name, the error) for a change that does not apply.
    """
    for name, patch in patches.items():
        report: QualityReport | PatchError
        try:
            apply_patch(checkout, patch, label=name)
            report = quality_phase(task, checkout, patch, source.gold_patch)
        except PatchError as exc:
            report = exc
        finally:
            restore_paths(checkout, touched_paths(patch))  # git apply is all or nothing
        yield name, report
