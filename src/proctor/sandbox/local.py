"""Run commands on this machine under bubblewrap, ``unshare``, or rlimits alone (Linux).

Which backend runs, and what each one protects, is :mod:`proctor.sandbox.backends`: ``auto`` is
bubblewrap or a one-line refusal, never a silent downgrade; ``unshare`` and ``none`` run only
when asked for by name.

Every backend applies RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NPROC and RLIMIT_CORE=0, runs
the command in its own session, and on timeout (or once the command exits) SIGKILLs its whole
process group, so nothing it started outlives it.

Process cap: RLIMIT_NPROC counts every process of the real uid and is not enforced for root.
Where a pids cgroup can be made (the cgroup v1 ``pids`` hierarchy, or cgroup v2 with ``pids``
enabled below the root), each command runs in a fresh cgroup with ``pids.max = nproc``; that
caps processes and threads for root too (the backend's own helpers count: bwrap uses two), and
lets the kill reach processes that left the process group. Otherwise, as root, the process
count is not capped; :attr:`LocalSandbox.caps_processes` says which holds.

Caveat: limits are set in a ``preexec_fn``, which CPython documents as unsafe in a process
with threads; the function touches only ``os`` and ``resource``, which take no Python locks.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from proctor.errors import SandboxError
from proctor.sandbox.backends import (
    SYSTEM_DIRS,
    bwrap_prefix,
    detect_backend,
    unshare_prefix,
)
from proctor.sandbox.base import ExecResult, Limits, Mounts
from proctor.sandbox.cgroup import PidsCgroup, pids_root

__all__ = ["LocalSandbox", "scrub_env"]

_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")
_SECRET_PREFIXES = ("PROCTOR_", "OPENAI_", "ANTHROPIC_", "AWS_", "GITHUB_", "HF_")
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_MIB = 1024 * 1024
_POLL_S = 0.05
_DRAIN_S = 2.0
"""How long to keep reading pipes once every process was killed."""


def scrub_env(environ: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of ``environ`` without the variables that may carry credentials.

    A name is dropped when, upper-cased, it contains KEY, TOKEN, SECRET, PASSWORD or
    CREDENTIAL, or starts with PROCTOR_, OPENAI_, ANTHROPIC_, AWS_, GITHUB_ or HF_.
    """
    return {name: value for name, value in environ.items() if not _is_secret(name)}


def _is_secret(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in _SECRET_WORDS) or upper.startswith(_SECRET_PREFIXES)


def _child_setup(limits: Limits, cgroup_procs: str | None) -> Callable[[], None]:
    """The ``preexec_fn``: join the cgroup, then apply the rlimits."""
    caps = [
        (resource.RLIMIT_AS, limits.memory_mb * _MIB, limits.memory_mb * _MIB),
        # SIGXCPU at the soft limit, SIGKILL a second later if it is ignored.
        (resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 1),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * _MIB, limits.file_size_mb * _MIB),
        (resource.RLIMIT_NPROC, limits.nproc, limits.nproc),
        (resource.RLIMIT_CORE, 0, 0),
    ]

    def setup() -> None:
        if cgroup_procs is not None:
            fd = os.open(cgroup_procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
        for which, soft, hard in caps:
            _, old_hard = resource.getrlimit(which)
            if old_hard != resource.RLIM_INFINITY and os.geteuid() != 0:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(which, (soft, hard))

    return setup


class _Capture:
    """Bytes from one pipe, keeping the first ``limit`` and counting the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = max(0, self.limit - len(self.kept))
        self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n[proctor: output truncated, {self.dropped} more bytes dropped]\n"
        return text


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited, leaving it unreaped so its process group id stays ours."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _pump(sel: selectors.BaseSelector, deadline: float, stop: Callable[[], bool]) -> bool:
    """Copy pipe output into the captures; False when the deadline passed first.

    Stops early once ``stop()`` is true or every pipe is closed.
    """
    while True:
        if stop() or not sel.get_map():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        for key, _ in sel.select(min(remaining, _POLL_S)):
            chunk = os.read(key.fd, 65536)
            if chunk:
                key.data.add(chunk)
            else:
                sel.unregister(key.fd)


class LocalSandbox:
    """Runs commands on this machine under one backend (see :mod:`proctor.sandbox.backends`).

    Args:
        mounts: what the command may see and write besides the system folders.
        limits: resource caps for every command.
        backend: ``"auto"`` (bubblewrap, or refuse) or a backend asked for by name:
            ``"bwrap"``, ``"unshare"`` or ``"none"``.
        max_output_bytes: how much of stdout and of stderr to keep; the rest is counted and
            replaced by a ``[proctor: output truncated ...]`` line.

    Raises:
        SandboxError: ``backend`` is unknown or does not work here (for ``"auto"``: no
            full-isolation backend works, see :func:`~proctor.sandbox.detect_backend`).
    """

    def __init__(
        self,
        mounts: Mounts,
        limits: Limits = Limits(),
        backend: str = "auto",
        *,
        max_output_bytes: int = 4 * _MIB,
    ) -> None:
        self.name = detect_backend(backend, local=True)
        self.mounts = mounts
        self.limits = limits
        self.max_output_bytes = max_output_bytes

    @property
    def caps_processes(self) -> bool:
        """Whether ``limits.nproc`` is really enforced (a pids cgroup, or a non-root uid)."""
        return pids_root() is not None or os.geteuid() != 0

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``argv`` in ``cwd``; the environment is a minimal base plus scrubbed ``env``.

        A command that cannot be found gives returncode 127 (126: not executable) and a
        ``proctor sandbox:`` line on stderr, as a shell would; a timeout gives
        ``timed_out=True`` and returncode -9. Under bwrap and unshare an exit status
        128+N is reported as -N (killed by signal N), since that is how they relay it.

        Raises:
            SandboxError: ``argv`` is empty, ``cwd`` or a mount does not exist, ``cwd`` is
                not visible inside bwrap, or the sandbox itself could not be started.
        """
        if not argv:
            raise SandboxError("cannot run an empty argv")
        cwd = cwd.absolute()
        for folder in (cwd, *self.mounts.writable, *self.mounts.readonly):
            if not folder.exists():
                raise SandboxError(f"sandbox folder does not exist: {folder}")
        visible = (*self.mounts.writable, *self.mounts.readonly, *map(Path, SYSTEM_DIRS))
        if self.name == "bwrap" and not any(cwd.is_relative_to(p.absolute()) for p in visible):
            raise SandboxError(f"working folder {cwd} is not inside any sandbox mount")
        with self._home() as home:
            full_env = {**_base_env(home), **scrub_env(env or {})}
            missing = _find_problem(argv[0], cwd, full_env["PATH"])
            if missing is not None:
                return ExecResult(tuple(argv), missing[0], "", missing[1], 0.0)
            cgroup = PidsCgroup.create(self.limits.nproc)
            try:
                return self._run(tuple(argv), self._wrap(argv, cwd), cwd, full_env, timeout, cgroup)
            finally:
                if cgroup is not None:
                    cgroup.kill()
                    cgroup.remove()

    @contextlib.contextmanager
    def _home(self) -> Iterator[str]:
        """HOME and TMPDIR: bwrap's private /tmp, else a fresh folder removed afterwards."""
        if self.name == "bwrap":
            yield "/tmp"
            return
        with tempfile.TemporaryDirectory(prefix="proctor-home-", ignore_cleanup_errors=True) as d:
            yield d

    def _wrap(self, argv: Sequence[str], cwd: Path) -> list[str]:
        if self.name == "bwrap":
            return [*bwrap_prefix(self.mounts, cwd), *argv]
        if self.name == "unshare":
            return [*unshare_prefix(self.mounts), *argv]
        return list(argv)

    def _run(
        self,
        argv: tuple[str, ...],
        cmd: list[str],
        cwd: Path,
        env: dict[str, str],
        timeout: float,
        cgroup: PidsCgroup | None,
    ) -> ExecResult:
        start = time.monotonic()
        procs_file = str(cgroup.path / "cgroup.procs") if cgroup is not None else None
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_child_setup(self.limits, procs_file),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxError(f"cannot start {self.name} sandbox for {argv[0]!r}: {exc}") from exc
        out, err = _Capture(self.max_output_bytes), _Capture(self.max_output_bytes)
        with proc, selectors.DefaultSelector() as sel:
            assert proc.stdout is not None and proc.stderr is not None
            sel.register(proc.stdout, selectors.EVENT_READ, out)
            sel.register(proc.stderr, selectors.EVENT_READ, err)
            _pump(sel, start + timeout, lambda: _exited(proc.pid))
            # The pipes may close before the command exits: wait for it until the deadline.
            finished = _wait_until(proc.pid, start + timeout)
            # Kill the group before reaping its leader, so the group id cannot be reused.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if cgroup is not None:
                cgroup.kill()
            _pump(sel, time.monotonic() + _DRAIN_S, lambda: False)
            returncode = proc.wait()
        if self.name != "none" and 128 < returncode <= 128 + 64:
            returncode = 128 - returncode  # the wrapper reported a death by signal, shell-style
        duration = time.monotonic() - start
        return ExecResult(argv, returncode, out.text(), err.text(), duration, not finished)


def _wait_until(pid: int, deadline: float) -> bool:
    while not _exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)
    return True


def _base_env(home: str) -> dict[str, str]:
    """The whole environment a command starts from, before the caller's ``env``."""
    base = {"PATH": _DEFAULT_PATH, "HOME": home, "TMPDIR": home, "TERM": "dumb", "TZ": "UTC"}
    return {**base, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def _find_problem(program: str, cwd: Path, path: str) -> tuple[int, str] | None:
    """(returncode, stderr) as a shell would give for a missing or non-executable program."""
    if "/" in program:
        found: str | None = str(cwd / program) if Path(cwd / program).exists() else None
    else:
        found = shutil.which(program, mode=os.F_OK, path=path)
    if found is None:
        return 127, f"proctor sandbox: command not found: {program}\n"
    if not os.access(found, os.X_OK) or Path(found).is_dir():
        return 126, f"proctor sandbox: permission denied: {program}\n"
    return None
