"""Which sandbox backend runs a command, how each one starts, and what each one protects.

``auto`` picks only a backend of :data:`FULL_ISOLATION`, one that shows the command nothing of
the host but the system folders, its environment (read-only), the checkout and a scratch
folder. Where none works here, :func:`detect_backend` refuses in one line that says what is
missing and how to install it. The weaker backends run only when asked for by name (``--sandbox
NAME`` or ``PROCTOR_SANDBOX=NAME``), and :func:`weak_isolation_warning` says what they leave open.

``bwrap`` (full isolation)
    Bubblewrap with new user, pid, net, ipc, uts and cgroup namespaces, every capability
    dropped and nested user namespaces disabled. The filesystem is an allowlist: the system
    folders (/usr, /bin, /sbin, /lib*, /etc with /etc/shadow and /etc/gshadow masked) and
    ``Mounts.readonly`` read-only, ``Mounts.writable`` writable, plus a private /tmp, /dev and
    /proc. Nothing else of the host ($HOME, /root, /work, task files, run folders) exists inside.
``docker`` (full isolation; ``auto`` picks it where bubblewrap does not work)
    The commands of a session ``docker exec``'d in one container of the local Docker engine
    (a fresh one after a timeout), on the environment's image:
    no network, a read-only root, the checkout and scratch writable by a non-root user, limits
    as cgroups (see :mod:`proctor.sandbox.docker_sandbox`). It runs environments built as
    images, with system packages and any Python the base image has.
``unshare`` (by name only)
    util-linux ``unshare`` with new user (caller mapped to root), pid, net, ipc, uts and mount
    namespaces: no network, and every process dies with the command. Its pid 1 bind-mounts each
    ``Mounts.readonly`` path read-only in the mount namespace, then ``setpriv`` drops every
    capability, so the command cannot remount them writable: the environment stays as built.
    The rest of the host filesystem is NOT hidden: the command reads whatever the caller's uid
    may (task files, hidden tests, run folders, $HOME) and writes there too.
``none`` (by name only)
    No namespace: the limits, the timeout and the scrubbed environment, nothing more. The
    network and the whole filesystem are the caller's, the environment included, so a command
    can change a shared venv and with it the verdicts of later attempts. Nothing pretends here.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from proctor.errors import SandboxError
from proctor.sandbox.base import Mounts
from proctor.sandbox.docker_engine import engine_problem

__all__ = [
    "BACKENDS",
    "CONTAINER_BACKENDS",
    "FULL_ISOLATION",
    "LOCAL_BACKENDS",
    "SYSTEM_DIRS",
    "bwrap_prefix",
    "bwrap_system_view",
    "detect_backend",
    "unshare_prefix",
    "weak_isolation_warning",
]

BACKENDS = ("bwrap", "docker", "unshare", "none")
"""Backend names, strongest isolation first."""
LOCAL_BACKENDS = ("bwrap", "unshare", "none")
"""Backends that run a command as a process of this machine (:class:`LocalSandbox`)."""
CONTAINER_BACKENDS = ("docker",)
"""Backends that run a command in a container, on an environment image."""
FULL_ISOLATION = ("bwrap", "docker")
"""Backends that hide the host (system folders, read-only environment, checkout, scratch only);
``auto`` picks the first of these that works, in this order, and never anything else."""


@dataclass(frozen=True)
class _Need:
    """What a full-isolation backend needs, in the words of the refusal."""

    problem: str
    install: str


_NEEDS = {
    "bwrap": _Need(
        "bubblewrap (bwrap) is not installed or cannot create namespaces",
        "install it (Debian/Ubuntu: apt-get install bubblewrap)",
    ),
    "docker": _Need(
        "no Docker engine can be used",
        "run a Docker engine (Debian/Ubuntu: apt-get install docker.io; dockerd &) with "
        "pip install 'proctor[docker]'",
    ),
}
_WEAK = {
    "unshare": (
        "sandbox 'unshare' does not hide the host filesystem: untrusted code (the model's edits, "
        "the repository's tests) can read everything {who} can (task files, hidden tests, run "
        "folders, $HOME) and write anywhere but its read-only environment; only the network "
        "is cut off; install bubblewrap for full isolation"
    ),
    "none": (
        "sandbox 'none' isolates nothing: untrusted code (the model's edits, the repository's "
        "tests) runs as {who} with the host's network and filesystem, can read task files, "
        "hidden tests and run folders, and can write into the shared environments and so change "
        "later attempts' verdicts; only rlimits and timeouts apply; install bubblewrap for full "
        "isolation"
    ),
}

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
_MASKED = ("/etc/shadow", "/etc/gshadow")
_BWRAP_FLAGS = (
    *("--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"),
    *("--die-with-parent", "--new-session"),
)
_UNSHARE_FLAGS = (
    *("--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"),
    *("--ipc", "--uts", "--"),
)
_SETPRIV_FLAGS = ("--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--")
"""No capability survives into the command, so it cannot undo the read-only binds."""


def detect_backend(preferred: str = "auto", *, local: bool = False) -> str:
    """Pick the backend to use; each is probed once per process by really running it.

    Args:
        preferred: ``"auto"`` (the first of :data:`FULL_ISOLATION` that works) or one of
            :data:`BACKENDS`, which is then used only if it works.
        local: only backends that run a process of this machine (:data:`LOCAL_BACKENDS`):
            ``auto`` never picks docker, and asking for docker by name is refused.

    Returns:
        A name from :data:`BACKENDS`; for ``"auto"``, one from :data:`FULL_ISOLATION`.

    Raises:
        SandboxError: ``preferred`` is unknown; names a backend that does not work here; or is
            ``"auto"`` and no full-isolation backend works (one line: what is missing, how to
            install it, and how to ask for a weaker backend instead).
    """
    if preferred not in ("auto", *BACKENDS):
        choices = ", ".join(("auto", *BACKENDS))
        raise SandboxError(f"unknown sandbox backend {preferred!r}; expected one of {choices}")
    if local and preferred in CONTAINER_BACKENDS:
        raise SandboxError(
            f"sandbox backend {preferred!r} runs whole test sessions only, not this command; "
            "use --sandbox bwrap (or auto) here"
        )
    if preferred != "auto":
        problem = _probe(preferred)
        if problem is not None:
            raise SandboxError(f"sandbox backend {preferred!r} is not available: {problem}")
        return preferred
    problems: dict[str, str] = {}
    for name in FULL_ISOLATION:
        if local and name in CONTAINER_BACKENDS:
            continue
        problem = _probe(name)
        if problem is None:
            return name
        problems[name] = problem
    raise SandboxError(_refusal(problems))


def _refusal(problems: Mapping[str, str]) -> str:
    # the reason alone: a docker problem also says how to fix it, after a ';'
    missing = ", and ".join(
        f"{_NEEDS[n].problem} ({why.split(';')[0]})" for n, why in problems.items()
    )
    install = " or ".join(_NEEDS[n].install for n in problems)
    weaker = " / ".join(f"--sandbox {n}" for n in BACKENDS if n not in FULL_ISOLATION)
    return (
        f"no full-isolation sandbox here: {missing}; {install} "
        f"or pass {weaker} to run with weaker isolation"
    )


def weak_isolation_warning(backend: str) -> str | None:
    """One line saying what ``backend`` leaves unprotected; None when it isolates fully.

    Args:
        backend: ``"auto"`` (which only ever picks full isolation) or one of :data:`BACKENDS`.

    Raises:
        SandboxError: ``backend`` is unknown.
    """
    if backend not in ("auto", *BACKENDS):
        raise SandboxError(f"unknown sandbox backend {backend!r}")
    if backend == "auto" or backend in FULL_ISOLATION:
        return None
    who = "root" if os.geteuid() == 0 else "this user"
    return _WEAK[backend].format(who=who)


@functools.cache
def _probe(backend: str) -> str | None:
    """Why ``backend`` cannot run here, in one line, or None when it can."""
    if backend == "none":
        return None
    if backend == "docker":
        return engine_problem()
    tools = (backend, "setpriv", "mount") if backend == "unshare" else (backend,)
    absent = [tool for tool in tools if shutil.which(tool) is None]
    if absent:
        return f"{', '.join(absent)} not found on PATH"
    with tempfile.TemporaryDirectory(prefix="proctor-probe-") as scratch:
        mounts = Mounts(readonly=(Path(scratch),))
        prefix = bwrap_prefix(mounts, Path("/")) if backend == "bwrap" else unshare_prefix(mounts)
        try:
            done = subprocess.run([*prefix, "true"], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
    if done.returncode == 0:
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"`{backend} ... true` exited {done.returncode}"


def bwrap_system_view() -> list[str]:
    """bwrap arguments showing the system read-only (shadow files masked), with a private
    /dev, /proc and /tmp: what every sandboxed command sees besides its own mounts."""
    args: list[str] = []
    for folder in SYSTEM_DIRS:
        path = Path(folder)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            args += ["--ro-bind", folder, folder]
    for masked in _MASKED:
        if Path(masked).exists():
            args += ["--ro-bind", "/dev/null", masked]
    return [*args, "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]


def _binds(mounts: Mounts) -> list[tuple[bool, Path]]:
    """(read-only?, absolute path) of every mount, shallowest first, so that a deeper mount
    (a read-only venv inside a writable checkout) is made last and wins."""
    binds = [(True, p.absolute()) for p in mounts.readonly]
    binds += [(False, p.absolute()) for p in mounts.writable]
    return sorted(binds, key=lambda bind: len(bind[1].parts))


def bwrap_prefix(mounts: Mounts, cwd: Path) -> list[str]:
    """bwrap's argv up to the command: an allowlist of the host filesystem, ``cwd`` inside."""
    # /tmp comes before the binds so that a mount below /tmp is not hidden by the tmpfs.
    args = [shutil.which("bwrap") or "bwrap", *_BWRAP_FLAGS, *bwrap_system_view()]
    for readonly, path in _binds(mounts):
        args += ["--ro-bind" if readonly else "--bind", str(path), str(path)]
    return [*args, "--chdir", str(cwd), "--"]


def unshare_prefix(mounts: Mounts) -> list[str]:
    """unshare's argv up to the command: pid 1 is a shell that makes ``mounts.readonly``
    read-only (a writable mount below one stays writable), drops every capability and runs
    the command as pid 2, as bwrap does (pid 1 of a namespace ignores SIGXCPU and other
    signals). A bind that fails ends the shell before the command runs, with mount's message
    on stderr."""
    mount = shlex.quote(shutil.which("mount") or "mount")
    readonly = [p.absolute() for p in mounts.readonly]
    steps = ["set -e"]
    for ro, path in _binds(mounts):
        if ro or any(path.is_relative_to(r) for r in readonly):
            quoted = shlex.quote(str(path))
            steps += [f"{mount} --bind {quoted} {quoted}"]
            steps += [f"{mount} -o remount,bind,{'ro' if ro else 'rw'} {quoted}"]
    setpriv = shlex.join([shutil.which("setpriv") or "setpriv", *_SETPRIV_FLAGS])
    steps += [f'{setpriv} "$@"']
    unshare = shutil.which("unshare") or "unshare"
    return [unshare, *_UNSHARE_FLAGS, "/bin/sh", "-c", "; ".join(steps), "sh"]
