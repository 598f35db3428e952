"""One run, one owner: a run folder is used by one proctor process at a time.

The owner holds an exclusive ``flock`` on ``RUN_DIR/.run.lock`` for the whole run and writes its
pid there. The kernel drops the lock when the process ends, however it ends (kill -9 too), so a
lock is never stale; the file itself stays, harmless.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from proctor.errors import ConfigError
from proctor.run.results import make_run_dir

LOCK_FILE = ".run.lock"


@contextmanager
def own_run_dir(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir`` for the duration of the context (creating it if needed).

    Raises:
        ConfigError: another process holds it (one line naming the folder and its pid), or the
            folder cannot be made.
    """
    make_run_dir(run_dir)
    path = run_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise ConfigError(f"{run_dir}: cannot write the run folder ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"{run_dir}: in use by another proctor process (pid {_holder(fd)})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The pid the owner wrote, or ``unknown`` (it may be writing it right now)."""
    text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    return text if text.isdigit() else "unknown"
