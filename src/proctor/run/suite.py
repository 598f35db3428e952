"""Run a suite: attempts in parallel, results recorded as they finish, resumable.

The run folder has one owner: the run holds its lock (:mod:`proctor.run.lock`) from start to
end, so a second process on the same folder is refused instead of corrupting it. On start,
what killed attempts left behind (attempt folders without ``result.json``, checkouts of finished
attempts) is removed.

Every attempt is named by its :class:`~proctor.run.key.AttemptKey` (task, sample, feedback
round, and the patch's sha256 when a patch is graded): its folder, its result in the store and
what a resumed run looks for. A resumed run attempts again what is not finished, infrastructure
environment-errors (up to :data:`~proctor.run.results.MAX_TRIES` tries, counted in ``tries``),
every environment-error with ``retry_errors``, and attempts whose patch changed.

An interruption (Ctrl-C, or SIGTERM turned into SystemExit by the CLI) stops the run: attempts
not yet started never start, and attempts still in flight are not recorded when they end (the
model server may be gone by then, so their outcome would be the interruption's, not the
model's); a resumed run attempts them again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from proctor.run.attempt import SCRATCH_DIRS, run_attempt
from proctor.run.context import AttemptContext, AttemptInput
from proctor.run.executor import Executor, LocalPool
from proctor.run.feedback import feedback_input
from proctor.run.key import AttemptKey
from proctor.run.lock import own_run_dir
from proctor.run.results import AttemptResult, ResultsStore
from proctor.spec import Task

OnResult = Callable[[AttemptResult, bool], None]
"""Called once per attempt with its result and whether it was already finished before."""


def run_suite(
    tasks: Sequence[Task],
    ctx: AttemptContext,
    run_dir: Path,
    *,
    suite: str = "",
    jobs: int = 1,
    samples: int = 1,
    on_result: OnResult | None = None,
    retry_errors: bool = False,
    patch_sha256: Mapping[str, str] | None = None,
    executor: Executor | None = None,
    options: Mapping[str, object] | None = None,
    feedback_rounds: int = 0,
    challenge: bool = False,
) -> list[AttemptResult]:
    """Make every attempt not yet finished in ``run_dir``; return results in task order (and
    sample order within a task).

    Args:
        samples: independent attempts per task, each its own :class:`AttemptKey`.
        retry_errors: attempt every environment-error again, model API failures included.
        patch_sha256: per task id, the sha256 of the patch being graded; a recorded result
            for another patch is graded again.
        executor: where attempts execute (default: a local pool of ``jobs`` threads); results
            are recorded here, in this process, whichever it is.
        options: how the run is made (agent, retriever, budgets...), recorded in its manifest.
        feedback_rounds: after round 0, this many feedback rounds (:mod:`proctor.run.feedback`)
            for models that hold a conversation; their results are recorded in the store
            (read them with :func:`proctor.run.read_results`), never returned here.
        challenge: in feedback rounds, challenge resolved attempts too.

    Raises:
        ConfigError: ``run_dir`` is in use by another process, cannot be made, or holds a run
            of another model or suite.
    """
    patches = dict(patch_sha256 or {})
    keys = [AttemptKey(t.id, s, 0, patches.get(t.id, "")) for t in tasks for s in range(samples)]
    by_id = {t.id: t for t in tasks}
    with own_run_dir(run_dir):
        store = ResultsStore(run_dir)
        store.claim(ctx.model.name, suite, options)
        done = store.finished()
        clean_leftovers(run_dir, keys, done, keep_checkouts=ctx.options.keep_checkout)
        results, tries = _plan(keys, done, retry_errors)
        for kept in results.values():
            if on_result:
                on_result(kept, True)
        todo = [AttemptInput(by_id[k.task_id], k, tries[k]) for k in keys if k in tries]
        pool = executor or LocalPool(jobs, run_attempt)
        results |= _run_all(pool.map(todo, ctx, run_dir), store, run_dir, on_result)
        everything = dict(results)
        for number in range(1, feedback_rounds + 1 if converses(ctx.model) else 1):
            rounds = [replace(k, round=number) for k in keys if by_id[k.task_id].kind != "isolated"]
            inputs = _round_inputs(rounds, by_id, everything, ctx, run_dir, challenge)
            standing, tries = _plan([k for k in rounds if k in inputs], done, retry_errors)
            everything |= standing
            todo = [replace(inputs[k], tries=tries[k]) for k in tries]
            everything |= _run_all(pool.map(todo, ctx, run_dir), store, run_dir, None)
    return [results[k.slot] for k in keys]


def converses(model: object) -> bool:
    """Whether ``model`` (a solver or a factory of them) can take a feedback round."""
    return bool(getattr(model, "converses", False))


def _round_inputs(
    rounds: Sequence[AttemptKey],
    by_id: Mapping[str, Task],
    earlier: Mapping[AttemptKey, AttemptResult],
    ctx: AttemptContext,
    run_dir: Path,
    challenge: bool,
) -> dict[AttemptKey, AttemptInput]:
    """The attempts of one feedback round: those whose earlier round calls for one."""
    inputs: dict[AttemptKey, AttemptInput] = {}
    for key in rounds:
        before = earlier.get(replace(key, round=key.round - 1))
        if before is None:
            continue
        task = by_id[key.task_id]
        test_patch = ctx.references.source(task.id).test_patch
        given = feedback_input(task, before, run_dir, test_patch, challenge=challenge)
        if given is not None:
            inputs[key] = AttemptInput(task, key, 1, given)
    return inputs


def _plan(
    keys: Sequence[AttemptKey],
    done: Mapping[AttemptKey, AttemptResult],
    retry_errors: bool,
) -> tuple[dict[AttemptKey, AttemptResult], dict[AttemptKey, int]]:
    """The recorded results that stand (by slot), and for every other attempt the number of
    its next try."""
    kept: dict[AttemptKey, AttemptResult] = {}
    tries: dict[AttemptKey, int] = {}
    for key in keys:
        earlier = done.get(key.slot)
        if earlier is None or earlier.key != key:  # not made, or made for another patch
            tries[key] = 1
        elif earlier.retryable(retry_errors=retry_errors):
            tries[key] = earlier.tries + 1
        else:
            kept[key.slot] = earlier
    return kept, tries


def _run_all(
    finished: Generator[AttemptResult, None, None],
    store: ResultsStore,
    run_dir: Path,
    on_result: OnResult | None,
) -> dict[AttemptKey, AttemptResult]:
    """Record each result as it comes; an interruption closes the stream, so attempts still
    in flight are never recorded and those not started never start."""
    results: dict[AttemptKey, AttemptResult] = {}
    with closing(finished):
        for result in finished:
            store.record(result, run_dir / result.key.folder)
            results[result.key.slot] = result
            if on_result:
                on_result(result, False)
    return results


def clean_leftovers(
    run_dir: Path,
    keys: Sequence[AttemptKey],
    done: Mapping[AttemptKey, AttemptResult],
    *,
    keep_checkouts: bool = False,
) -> list[Path]:
    """Remove what killed attempts left in ``run_dir``; return what was removed.

    The folder of an attempt with no recorded result is removed whole (it will be attempted
    again from scratch); a finished attempt loses its checkouts and scratch folders unless
    ``keep_checkouts``. Only the folders of ``keys`` are touched.
    """
    removed: list[Path] = []
    for key in keys:
        adir = run_dir / key.folder
        if not adir.is_dir():
            continue
        if key.slot not in done or not (adir / "result.json").is_file():
            removed.append(adir)
        elif not keep_checkouts:
            removed.extend(adir / name for name in SCRATCH_DIRS if (adir / name).exists())
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
