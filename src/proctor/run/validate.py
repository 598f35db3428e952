"""Check a suite against its baselines: gold must resolve, empty must fail every F2P test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from proctor.model import EmptyModel, GoldModel
from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.key import AttemptKey
from proctor.run.references import References
from proctor.run.results import AttemptResult, Outcome
from proctor.settings import Settings
from proctor.spec import Task


@dataclass
class TaskCheck:
    """The verdict of validation on one task."""

    task_id: str
    gold: list[AttemptResult]
    empty: AttemptResult
    flaky: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Gold resolves, empty fails every F2P, nothing flaky."""
        return not self.problems


def check_task(task: Task, gold: list[AttemptResult], empty: AttemptResult) -> TaskCheck:
    """Pure judgement of one task's baseline attempts."""
    check = TaskCheck(task.id, gold, empty)
    if _missing_tests(task, [*gold, empty], check):
        return check  # nothing ran: no other verdict would mean anything
    for run in gold:
        if run.outcome is not Outcome.RESOLVED:
            note = "; ".join(run.notes) or run.message
            check.problems.append(f"gold {run.outcome.value}: {note}".rstrip(": "))
            break
    seen: dict[str, set[str]] = {}
    for run in gold:
        for test_id, status in run.tests.items():
            seen.setdefault(test_id, set()).add(status)
    check.flaky = sorted(t for t, s in seen.items() if len(s) > 1)
    if check.flaky:
        check.problems.append(f"flaky under gold: {', '.join(check.flaky)}")
    if empty.outcome is Outcome.ENVIRONMENT_ERROR:
        check.problems.append(f"empty environment-error: {empty.message}")
    elif empty.outcome is Outcome.TAMPERED:  # nothing changed: the grading misjudged the base
        check.problems.append(f"empty tampered: {'; '.join(empty.integrity)}")
    else:
        passed = [t for t in task.hidden_tests.fail_to_pass if empty.tests.get(t) == "passed"]
        if passed:
            check.problems.append(f"F2P passes without a fix: {', '.join(passed)}")
        broken = [t for t in task.hidden_tests.pass_to_pass if empty.tests.get(t) != "passed"]
        if broken:
            check.problems.append(f"P2P fails at base: {', '.join(broken[:5])}")
    return check


def _missing_tests(task: Task, runs: list[AttemptResult], check: TaskCheck) -> bool:
    """Note hidden test ids that do not exist (pytest found no such test); whether any."""
    missing = {t for run in runs for t in run.tests_not_found}
    for label, ids in (
        ("F2P", task.hidden_tests.fail_to_pass),
        ("P2P", task.hidden_tests.pass_to_pass),
    ):
        absent = [t for t in ids if t in missing]
        if absent:
            check.problems.append(f"{label} test ids do not exist: {', '.join(absent)}")
    return bool(missing)


def validate_suite(
    tasks: Sequence[Task],
    settings: Settings,
    work_dir: Path,
    *,
    reruns: int = 1,
    jobs: int = 1,
    on_check: Callable[[TaskCheck], None] | None = None,
) -> list[TaskCheck]:
    """Run gold ``reruns`` times and empty once on every task; judge each."""
    refs = References(list(tasks), settings.repos_dir)
    gold_ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    empty_ctx = replace(gold_ctx, model=EmptyModel())

    def one(task: Task) -> TaskCheck:
        golds = [  # each rerun of gold is a sample of its own
            run_attempt(
                AttemptInput(task, AttemptKey(task.id, i)),
                gold_ctx,
                work_dir / f"gold-{i}" / task.id,
            )
            for i in range(max(1, reruns))
        ]
        empty = run_attempt(AttemptInput.first(task), empty_ctx, work_dir / "empty" / task.id)
        check = check_task(task, golds, empty)
        if on_check:
            on_check(check)
        return check

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, tasks))
