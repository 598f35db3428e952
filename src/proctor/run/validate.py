"""Check a suite against its baselines: gold must resolve, empty must fail every F2P test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from proctor.model import EmptyModel, GoldModel
from proctor.run.attempt import run_attempt
from proctor.run.context import AttemptContext, AttemptInput, AttemptOptions
from proctor.run.executor import Executor
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
    executor: Executor | None = None,
) -> list[TaskCheck]:
    """Run gold ``reruns`` times and empty once on every task; judge each.

    With an ``executor`` (e.g. Ray's) every attempt goes through it instead of ``jobs``
    threads here; the folders are the same.
    """
    refs = References(list(tasks), settings.repos_dir)
    gold_ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    empty_ctx = replace(gold_ctx, model=EmptyModel())
    if executor is not None:
        batches = [(gold_ctx, work_dir / f"gold-{i}") for i in range(max(1, reruns))]
        batches.append((empty_ctx, work_dir / "empty"))
        return _validate_on(executor, tasks, batches, on_check)

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


def _validate_on(
    executor: Executor,
    tasks: Sequence[Task],
    batches: list[tuple[AttemptContext, Path]],
    on_check: Callable[[TaskCheck], None] | None,
) -> list[TaskCheck]:
    """Each batch (the gold reruns, then empty) through ``executor`` at once; a task is judged
    as soon as all its attempts are back."""
    by_id = {t.id: t for t in tasks}
    got: dict[str, dict[int, AttemptResult]] = {t.id: {} for t in tasks}
    checks: dict[str, TaskCheck] = {}
    lock = threading.Lock()

    def drain(index: int) -> None:
        ctx, folder = batches[index]
        # Sample 0 in a folder per rerun: the same layout as attempts made here.
        todo = [AttemptInput.first(t) for t in tasks]
        for result in executor.map(todo, ctx, folder):
            with lock:
                mine = got[result.task_id]
                mine[index] = result
                if len(mine) == len(batches):
                    golds = [mine[i] for i in range(len(batches) - 1)]
                    check = check_task(by_id[result.task_id], golds, mine[len(batches) - 1])
                    checks[result.task_id] = check
                    if on_check:
                        on_check(check)

    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        list(pool.map(drain, range(len(batches))))
    return [checks[t.id] for t in tasks]
