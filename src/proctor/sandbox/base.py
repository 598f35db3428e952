"""The Sandbox seam: run an argv somewhere untrusted code cannot hurt us.

A sandbox runs one command with an explicit timeout and returns an :class:`ExecResult`; on
timeout it kills the whole process group. It never raises for what the command does (a crash,
a non-zero exit, a timeout are all results); it raises :class:`~proctor.errors.SandboxError`
only when it cannot run the command at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Limits:
    """Resource caps applied to every command a sandbox runs."""

    memory_mb: int = 4096
    """Address-space cap (RLIMIT_AS), MiB."""
    cpu_s: int = 600
    """CPU-time cap (RLIMIT_CPU), seconds."""
    file_size_mb: int = 512
    """Largest file a command may write (RLIMIT_FSIZE), MiB."""
    nproc: int = 256
    """Most processes (and threads) inside the sandbox."""


@dataclass(frozen=True)
class ExecResult:
    """What one command did."""

    argv: tuple[str, ...]
    returncode: int
    """Exit status; negative means killed by that signal (as in :mod:`subprocess`)."""
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    """True when the wall-clock timeout killed the process group."""

    @property
    def ok(self) -> bool:
        """Exited 0 within the time allowed."""
        return self.returncode == 0 and not self.timed_out


@dataclass(frozen=True)
class Mounts:
    """What the sandboxed command may see besides the system: all else is hidden."""

    writable: tuple[Path, ...] = ()
    """Folders it may write (the checkout, a scratch folder)."""
    readonly: tuple[Path, ...] = ()
    """Extra folders it may read (the venv and its base interpreter)."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """Reserved for backend-specific options."""


@runtime_checkable
class Sandbox(Protocol):
    """Runs commands under limits, with no network, seeing only what it is given."""

    name: str

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``argv`` in ``cwd`` with a scrubbed environment plus ``env``.

        Raises:
            SandboxError: the command could not be started at all.
        """
        ...
