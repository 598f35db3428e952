"""Run a suite: attempts in parallel, results recorded as they finish, resumable.

An interruption (Ctrl-C, or SIGTERM turned into SystemExit by the CLI) stops the run: attempts
not yet started never start, and attempts still in flight are not recorded when they end (the
model server may be gone by then, so their outcome would be the interruption's, not the
model's); a resumed run attempts them again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from proctor.run.attempt import AttemptContext, run_attempt
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
) -> list[AttemptResult]:
    """Attempt every task not yet finished in ``run_dir``; return results in task order.

    Raises:
        ConfigError: ``run_dir`` holds a run of another model.
    """
    store = ResultsStore(run_dir)
    store.claim(ctx.model.name, suite)
    done = store.finished()
    results: dict[str, AttemptResult] = {}
    for task in tasks:
        if task.id in done:
            results[task.id] = done[task.id]
            if on_result:
                on_result(done[task.id], True)
    todo = [t for t in tasks if t.id not in done]
    interrupted = threading.Event()

    def attempt(task: Task) -> AttemptResult:
        adir = run_dir / task.id
        result = run_attempt(task, ctx, adir)
        if not interrupted.is_set():
            store.record(result, adir)
        return result

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
    return [results[t.id] for t in tasks]
