"""The worker processes of the executor: how they are sandboxed, started, fed and stopped.

Private to :mod:`proctor.sandbox.pool`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from proctor.sandbox import backends
from proctor.sandbox.backends import SYSTEM_DIRS
from proctor.sandbox.base import Mounts
from proctor.sandbox.cgroup import PidsCgroup

GRACE_S = 5.0
"""How long past a program's timeout the worker itself may take to answer."""


@dataclass(frozen=True)
class Job:
    """One program to run."""

    program: str
    timeout_s: float = 3.0


def readonly_paths(script: Path, python: Path) -> list[Path]:
    """The interpreter's prefixes and the script's folder, without nested duplicates."""
    found = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.exec_prefix).resolve(),
        python.resolve().parent.parent,
        script.resolve().parent,
    }
    outer = [p for p in found if not any(q != p and q in p.parents for q in found)]
    return sorted(p for p in outer if not any(str(p).startswith(d) for d in SYSTEM_DIRS))


def bwrap_prefix(readonly: Sequence[Path]) -> list[str]:
    """The sandbox's bwrap allowlist: the system and ``readonly``, in a private /tmp."""
    return backends.bwrap_prefix(Mounts(readonly=tuple(readonly)), Path("/tmp"))


def unshare_prefix(readonly: Sequence[Path]) -> list[str]:
    """The sandbox's unshare namespaces, ``readonly`` read-only; the worker runs as pid 2."""
    return backends.unshare_prefix(Mounts(readonly=tuple(readonly)))


class Worker:
    """One worker process, its pipes and the job it is running."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        group: PidsCgroup | None,
        scratch: Path | None = None,
    ) -> None:
        self.scratch = scratch
        """A host folder made for this worker's TMPDIR, removed in :meth:`stop`."""
        # closed in stop(); a file, not a pipe, so an unread stderr never blocks the worker
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            cwd="/",
            start_new_session=True,
            preexec_fn=group.join_hook() if group is not None else None,
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.jobs: deque[tuple[int, float]] = deque()
        """Jobs sent and not answered yet: (index, timeout), oldest (running) first."""
        self.deadline = 0.0
        """When the running job must have been answered, worker overhead included."""
        self.broken = False
        """Its stdin could not be written: it takes no more jobs."""

    def send(self, index: int, job: Job) -> None:
        assert self.proc.stdin is not None
        line = json.dumps({"id": index, "program": job.program, "timeout": job.timeout_s})
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        if not self.jobs:
            self.deadline = time.monotonic() + job.timeout_s + GRACE_S
        self.jobs.append((index, job.timeout_s))

    def answered(self, index: int) -> None:
        """The running job ``index`` is done; the next one (already sent) starts now."""
        if self.jobs and self.jobs[0][0] == index:
            self.jobs.popleft()
        if self.jobs:
            self.deadline = time.monotonic() + self.jobs[0][1] + GRACE_S

    def read_lines(self) -> list[dict[str, Any]] | None:
        """Messages that arrived; None once the worker closed its stdout (it died)."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return None
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def error_text(self) -> str:
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.proc.poll()}"

    def stop(self, grace_s: float = 0.0) -> None:
        """End the worker: close its stdin and wait ``grace_s`` for it to leave, then kill."""
        if grace_s > 0 and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(grace_s)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
