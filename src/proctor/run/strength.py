"""Task strength: would a plausible wrong fix pass the hidden tests?

Each task's mutants (:func:`proctor.repo.build_mutants`: the reference change with one small
thing wrong) are graded exactly as a model's patch is (``proctor grade``: a sealed checkout of
the base, the patch applied, the hidden tests restored and run in the sandbox). A mutant the
tests fail is *caught*; one they pass *survived*. A mutant whose grading ended in an
environment-error, or that did not apply, is neither: it is reported and not counted.

Gold is graded first: where it does not resolve, every mutant would look caught, so the task
is not measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from proctor.errors import ProctorError
from proctor.model import GoldModel, PatchModel
from proctor.repo import MAX_PER_KIND, Mutant, base_reader, build_mutants
from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.references import References
from proctor.run.results import AttemptResult, Outcome
from proctor.settings import Settings
from proctor.spec import Strength, Task


class Verdict(str, Enum):
    """What a mutant's grading says of the hidden tests."""

    CAUGHT = "caught"
    SURVIVED = "survived"
    NOT_COUNTED = "not counted"


def verdict(result: AttemptResult) -> Verdict:
    """Resolved: the mutant survived; failed, timed out or tampered: caught; an
    environment-error or a patch that did not apply: not counted."""
    if result.outcome is Outcome.RESOLVED:
        return Verdict.SURVIVED
    if result.outcome in {Outcome.ENVIRONMENT_ERROR, Outcome.PATCH_FAILED}:
        return Verdict.NOT_COUNTED
    return Verdict.CAUGHT


@dataclass(frozen=True)
class GradedMutant:
    """One mutant and how its grading ended."""

    mutant: Mutant
    result: AttemptResult

    @property
    def verdict(self) -> Verdict:
        """See :func:`verdict`."""
        return verdict(self.result)


@dataclass
class TaskStrength:
    """The measurement of one task: its graded mutants, or why it was not measured."""

    task_id: str
    graded: list[GradedMutant] = field(default_factory=list)
    problem: str | None = None
    """Why the task was not measured (its repository, or gold not resolving)."""

    def having(self, wanted: Verdict) -> list[GradedMutant]:
        """The graded mutants with verdict ``wanted``."""
        return [g for g in self.graded if g.verdict is wanted]

    @property
    def strength(self) -> Strength | None:
        """What a task file records; ``None`` when not measured, or when mutants were made
        but none was counted (each ended in an environment-error)."""
        caught, survived = self.having(Verdict.CAUGHT), self.having(Verdict.SURVIVED)
        if self.problem is not None or (self.graded and not caught and not survived):
            return None
        return Strength(
            mutants=len(caught) + len(survived),
            caught=len(caught),
            survived=[g.mutant.label for g in survived],
        )


def _mutants(task: Task, refs: References, max_per_kind: int) -> list[Mutant]:
    """The task's mutants, from its mirror.

    Raises:
        RepoError: the repository or a commit of the task cannot be had.
    """
    source = refs.source(task.id)
    return build_mutants(
        source.gold_patch, base_reader(source.git_dir, task.base_commit), max_per_kind
    )


def measure_strength(
    tasks: Sequence[Task],
    settings: Settings,
    work_dir: Path,
    *,
    max_per_kind: int = MAX_PER_KIND,
    jobs: int = 1,
    on_graded: Callable[[Task, GradedMutant], None] | None = None,
) -> list[TaskStrength]:
    """Grade every task's mutants (after its gold); one :class:`TaskStrength` per task, in
    order. Attempts are kept under ``work_dir`` (``gold/ID``, ``mutant-N-KIND/ID``); the
    quality checks are skipped, as only the tests' verdict counts here."""
    refs = References(list(tasks), settings.repos_dir)
    options = AttemptOptions(settings.model_copy(update={"quality": False}))
    gold_ctx = AttemptContext(GoldModel(refs.gold), refs, options)
    found = {task.id: TaskStrength(task.id) for task in tasks}
    made: dict[str, list[Mutant]] = {}
    for task in tasks:
        try:
            made[task.id] = _mutants(task, refs, max_per_kind)
        except ProctorError as exc:
            found[task.id].problem = str(exc)

    def gold(task: Task) -> None:
        result = run_attempt(AttemptInput.first(task), gold_ctx, work_dir / "gold" / task.id)
        if result.outcome is not Outcome.RESOLVED:
            why = result.message or "; ".join(result.notes)
            found[task.id].problem = f"gold {result.outcome.value}: {why}".rstrip(": ")

    def mutant(job: tuple[Task, int, Mutant]) -> None:
        task, index, wrong = job
        ctx = replace(gold_ctx, model=PatchModel("mutant", {task.id: wrong.patch}))
        folder = work_dir / f"mutant-{index}-{wrong.kind}" / task.id
        graded = GradedMutant(wrong, run_attempt(AttemptInput.first(task), ctx, folder))
        found[task.id].graded.append(graded)
        if on_graded is not None:
            on_graded(task, graded)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(gold, [t for t in tasks if made.get(t.id)]))
        todo = [
            (task, index, wrong)
            for task in tasks
            if found[task.id].problem is None
            for index, wrong in enumerate(made.get(task.id, []), 1)
        ]
        list(pool.map(mutant, todo))
    for task in tasks:  # threads finish in any order; the report does not
        order = {id(m): i for i, m in enumerate(made.get(task.id, []))}
        found[task.id].graded.sort(key=lambda g: order[id(g.mutant)])
    return [found[task.id] for task in tasks]
