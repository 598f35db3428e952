"""pids cgroups: a real cap on processes and threads, for root too (RLIMIT_NPROC is not).

cgroup v1's ``pids`` hierarchy, or v2 where the ``pids`` controller is enabled at the root.
Killing every task of a group also reaches processes that left the process group.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


@functools.cache
def pids_root() -> Path | None:
    """The folder that per-command pids cgroups go under, or None when none can be made."""
    candidates = [Path("/sys/fs/cgroup/pids")]
    v2 = Path("/sys/fs/cgroup")
    with contextlib.suppress(OSError):
        # Only the real v2 root may hold processes and enable controllers at once.
        own_is_root = "0::/\n" in Path("/proc/self/cgroup").read_text()
        if own_is_root and "pids" in (v2 / "cgroup.subtree_control").read_text().split():
            candidates.append(v2)
    for root in candidates:
        probe = root / f"proctor-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        usable = (probe / "pids.max").exists()
        probe.rmdir()
        if usable:
            return root
    return None


class PidsCgroup:
    """A fresh pids cgroup capping the tasks of one command."""

    _ids = itertools.count()

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, limit: int) -> PidsCgroup | None:
        """Make one with ``pids.max = limit``, or return None where cgroups are unavailable."""
        root = pids_root()
        if root is None:
            return None
        path = root / f"proctor-{os.getpid()}-{next(cls._ids)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def join_hook(self) -> Callable[[], None]:
        """A ``preexec_fn`` moving the new process into this group (``os`` calls only)."""
        procs = str(self.path / "cgroup.procs")

        def join() -> None:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)

        return join

    def kill(self) -> None:
        """SIGKILL every task in it, repeating while forks race the previous pass."""
        for _ in range(100):
            try:
                pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                return
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Delete it, waiting briefly for killed tasks to leave."""
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.01)
        logger.warning("could not remove cgroup %s", self.path)
