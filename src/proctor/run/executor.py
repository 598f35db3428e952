"""Where attempts execute: the :class:`Executor` seam, and the local thread pool behind it.

An executor takes the attempts of a run and yields each one's result as it finishes, with the
attempt's folder already in place under the run folder. It never records anything: the run
(:func:`~proctor.run.suite.run_suite`) alone writes ``results.jsonl``, in the process that owns
the run folder, so resume and the single-owner lock work the same whichever executor ran the
attempts. The Ray executor (:mod:`proctor.run.cluster`) is the second implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Protocol

from proctor.run.context import AttemptContext, AttemptInput
from proctor.run.results import AttemptResult

AttemptFn = Callable[[AttemptInput, AttemptContext, Path], AttemptResult]
"""Makes one attempt in a folder (:func:`~proctor.run.attempt.run_attempt`)."""


class Executor(Protocol):
    """Runs attempts somewhere and streams their results back."""

    def map(
        self, todo: Sequence[AttemptInput], ctx: AttemptContext, run_dir: Path
    ) -> Generator[AttemptResult, None, None]:
        """Each attempt's result as it finishes, its folder at ``run_dir / key.folder``.

        Closing the iterator early (the run was interrupted) starts no further attempt.
        """
        ...


class LocalPool:
    """Attempts in threads of this process, ``jobs`` at a time."""

    def __init__(self, jobs: int, attempt: AttemptFn) -> None:
        self.jobs = max(1, jobs)
        self._attempt = attempt

    def map(
        self, todo: Sequence[AttemptInput], ctx: AttemptContext, run_dir: Path
    ) -> Generator[AttemptResult, None, None]:
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = [
                pool.submit(self._attempt, one, ctx, run_dir / one.key.folder) for one in todo
            ]
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:  # interrupted, or closed early: start nothing more
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
