"""Run a suite: attempts in parallel, results recorded as they finish, resumable.

The run folder has one owner: the run holds its lock (:mod:`proctor.run.lock`) from start to
end, so a second process on the same folder is refused instead of corrupting it. On start,
what killed attempts left behind (attempt folders without ``result.json``, checkouts of finished
attempts) is removed.

A resumed run attempts again what is not finished, infrastructure environment-errors (up to
:data:`~proctor.run.results.MAX_TRIES` tries, counted in ``tries``), every environment-error
with ``retry_errors``, and tasks whose patch changed (``patch_sha256``, for graded patches).

An interruption (Ctrl-C, or SIGTERM turned into SystemExit by the CLI) stops the run: attempts
not yet started never start, and attempts still in flight are not recorded when they end (the
model server may be gone by then, so their outcome would be the interruption's, not the
model's); a resumed run attempts them again.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from proctor.run.attempt import SCRATCH_DIRS, AttemptContext, run_attempt
from proctor.run.lock import own_run_dir
from proctor.run.results import AttemptResult, ResultsStore
from proctor.spec import Task

OnResult = Callable[[AttemptResult, bool], None]
"""Called once per task with its result and whether it was already finished before."""


def run_suite(
    tasks: Sequence[Task],
    ctx: AttemptContext,
    run_dir: Path,
    *,
    suite: str = "",
    jobs: int = 1,
    on_result: OnResult | None = None,
    retry_errors: bool = False,
    patch_sha256: Mapping[str, str] | None = None,
) -> list[AttemptResult]:
    """Attempt every task not yet finished in ``run_dir``; return results in task order.

    Args:
        retry_errors: attempt every environment-error again, model API failures included.
        patch_sha256: per task id, the sha256 of the patch being graded; a recorded result
            for another patch is graded again.

    Raises:
        ConfigError: ``run_dir`` is in use by another process, cannot be made, or holds a run
            of another model or suite.
    """
    keys = dict(patch_sha256 or {})
    with own_run_dir(run_dir):
        store = ResultsStore(run_dir)
        store.claim(ctx.model.name, suite)
        done = store.finished()
        clean_leftovers(run_dir, tasks, done, keep_checkouts=ctx.keep_checkout)
        results, tries = _plan(tasks, done, keys, retry_errors)
        for kept in results.values():
            if on_result:
                on_result(kept, True)
        todo = [t for t in tasks if t.id in tries]
        interrupted = threading.Event()

        def attempt(task: Task) -> AttemptResult:
            adir = run_dir / task.id
            result = run_attempt(task, ctx, adir).model_copy(
                update={"tries": tries[task.id], "patch_sha256": keys.get(task.id, "")}
            )
            if not interrupted.is_set():
                store.record(result, adir)
            return result

        results |= _run_all(todo, attempt, jobs, interrupted, on_result)
    return [results[t.id] for t in tasks]


def _plan(
    tasks: Sequence[Task],
    done: Mapping[str, AttemptResult],
    keys: Mapping[str, str],
    retry_errors: bool,
) -> tuple[dict[str, AttemptResult], dict[str, int]]:
    """The recorded results that stand, and for every other task the number of its next try."""
    kept: dict[str, AttemptResult] = {}
    tries: dict[str, int] = {}
    for task in tasks:
        earlier = done.get(task.id)
        if earlier is None or earlier.patch_sha256 != keys.get(task.id, ""):
            tries[task.id] = 1
        elif earlier.retryable(retry_errors=retry_errors):
            tries[task.id] = earlier.tries + 1
        else:
            kept[task.id] = earlier
    return kept, tries


def _run_all(
    todo: Sequence[Task],
    attempt: Callable[[Task], AttemptResult],
    jobs: int,
    interrupted: threading.Event,
    on_result: OnResult | None,
) -> dict[str, AttemptResult]:
    results: dict[str, AttemptResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(attempt, t) for t in todo]
        for fut in as_completed(futures):
            result = fut.result()
            results[result.task_id] = result
            if on_result:
                on_result(result, False)
    except BaseException:
        interrupted.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def clean_leftovers(
    run_dir: Path,
    tasks: Sequence[Task],
    done: Mapping[str, AttemptResult],
    *,
    keep_checkouts: bool = False,
) -> list[Path]:
    """Remove what killed attempts left in ``run_dir``; return what was removed.

    The attempt folder of a task with no recorded result is removed whole (it will be
    attempted again from scratch); a finished attempt loses its checkouts and scratch folders
    unless ``keep_checkouts``. Only folders named after the suite's tasks are touched.
    """
    removed: list[Path] = []
    for task in tasks:
        adir = run_dir / task.id
        if not adir.is_dir():
            continue
        if task.id not in done or not (adir / "result.json").is_file():
            removed.append(adir)
        elif not keep_checkouts:
            removed.extend(adir / name for name in SCRATCH_DIRS if (adir / name).exists())
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
