"""The ``docker`` sandbox backend: one container per session, each command ``docker exec``'d in it.

A :class:`DockerSandbox` starts one long-lived container (``sleep infinity`` under
``docker-init``) of the environment's image (``Mounts.extra["image"]``, set by
:func:`proctor.testrun.session_mounts` for an environment built by
:class:`~proctor.sandbox.docker_env.ImageProvider`; without one, :data:`FALLBACK_IMAGE`) on its
first command, and runs every command of the session in it with ``docker exec``: a container
start costs 0.4-1 s, an exec about 0.06 s. What a command sees and may do:

* no network (``network_mode=none``), no capabilities, ``no-new-privileges``;
* a read-only root filesystem; ``Mounts.writable`` bind-mounted writable and
  ``Mounts.readonly`` read-only at the same paths as on the host (deeper mounts last, so a
  read-only file inside the writable checkout stays read-only), and a private tmpfs ``/tmp``,
  emptied after every command;
* a non-root user: as root, proctor makes the writable folders that user's (:data:`SANDBOX_UID`,
  by ``chown``, never ``chmod 777``) while the command runs, and its own again afterwards; as
  another user, the container runs with that user's ids;
* a memory cgroup cap (``Limits.memory_mb``, no swap), a CPU quota (:data:`CPUS` cores), a pids
  cap (``Limits.nproc``), RLIMIT_CPU, RLIMIT_FSIZE and no core dumps (all container-level,
  inherited by every exec);
* the same scrubbed environment as the local backends (:func:`~proctor.sandbox.scrub_env`),
  given to each exec;
* on timeout the whole container is killed and removed (with every descendant of the command),
  and the next command starts a fresh one; a command that leaves processes behind, or a
  ``/tmp`` that cannot be emptied, also retires the container, so nothing one command starts
  survives into the next;
* the container is removed when the sandbox is closed (:meth:`DockerSandbox.close`, or the
  sandbox being collected, or the interpreter exiting, Ctrl-C included); one left by a killed
  proctor (its owner process gone) is removed when the next sandbox starts.

The ``docker`` Python package is optional (``pip install 'proctor[docker]'``); it is imported
only when the backend is used, and its absence is one line saying how to install it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proctor.errors import SandboxError
from proctor.sandbox.base import ExecResult, Limits, Mounts
from proctor.sandbox.docker_engine import docker_client
from proctor.sandbox.local import _base_env, scrub_env

__all__ = [
    "CPUS",
    "FALLBACK_IMAGE",
    "LABEL",
    "OWNER_LABEL",
    "SANDBOX_UID",
    "DockerSandbox",
    "sweep_orphans",
]

SANDBOX_UID = 10001
"""The user (and group) commands run as when proctor itself runs as root."""
CPUS = 2.0
"""CPU quota of one container, in cores."""
FALLBACK_IMAGE = "proctor-base:py3.11"
"""The image a command runs in when its mounts name none."""
LABEL = "proctor.role"
"""Label on every container proctor makes: ``session`` or ``build``."""
OWNER_LABEL = "proctor.owner"
"""Label on a session container: ``host:pid:start`` of the proctor process that made it."""
_MIB = 1024 * 1024
_KEEPER = ["sleep", "infinity"]
"""The session container's own command (under docker-init, which reaps orphans)."""
_KEEPER_PROCESSES = 2
"""docker-init and the keeper: what a container runs between commands."""
_EMPTY_TMP_PY = """
import os, shutil, stat, sys
dev, uid, failed = os.lstat("/tmp").st_dev, os.getuid(), []
def retry(func, path, exc):
    try:
        os.chmod(os.path.dirname(path), 0o700)
        func(path)
    except OSError:
        failed.append(path)
def clean(folder):
    for entry in os.scandir(folder):
        st = entry.stat(follow_symlinks=False)
        if st.st_dev != dev:
            continue
        if st.st_uid != uid:
            if stat.S_ISDIR(st.st_mode):
                clean(entry.path)
        elif stat.S_ISDIR(st.st_mode):
            os.chmod(entry.path, 0o700)
            shutil.rmtree(entry.path, onerror=retry)
        else:
            os.unlink(entry.path)
try:
    clean("/tmp")
except OSError:
    sys.exit(1)
sys.exit(1 if failed else 0)
"""
_EMPTY_TMP = ["python3", "-c", _EMPTY_TMP_PY]
"""Empties the private /tmp of what the command left, on the tmpfs only: a bind mount below
/tmp (a checkout whose host path is under /tmp) is another device, left alone."""


class DockerSandbox:
    """Runs the commands of one session in one container (see the module docstring).

    Args:
        mounts: the folders the commands see besides the image; ``extra["image"]`` names the
            image (an environment image), else :data:`FALLBACK_IMAGE`.
        limits: resource caps of the container.
        max_output_bytes: how much of stdout and of stderr to keep.

    Raises:
        SandboxError: no engine answers, or the image is not there.
    """

    name = "docker"

    def __init__(
        self, mounts: Mounts, limits: Limits = Limits(), *, max_output_bytes: int = 4 * _MIB
    ) -> None:
        self.mounts = mounts
        self.limits = limits
        self.max_output_bytes = max_output_bytes
        self.image = mounts.extra.get("image") or FALLBACK_IMAGE
        self._client = docker_client()
        import docker

        try:
            self.image_id: str = self._client.images.get(self.image).id or ""
        except docker.errors.ImageNotFound:
            raise SandboxError(
                f"docker image {self.image} is not there; build it (proctor env build "
                "--sandbox docker, or proctor env base-image)"
            ) from None
        except docker.errors.DockerException as exc:
            raise SandboxError(f"docker engine: {exc}") from None
        root = os.geteuid() == 0
        self.uid, self.gid = (SANDBOX_UID, SANDBOX_UID) if root else (os.geteuid(), os.getegid())
        self._session = _Session(self._client)
        self._lock = threading.Lock()
        # Removes the container when the sandbox is collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, self._session.end)

    @property
    def container_id(self) -> str | None:
        """The session's container now (None before the first command, or after a kill)."""
        return self._session.container_id

    def close(self) -> None:
        """Remove the session's container (the next command, if any, starts a fresh one)."""
        self._session.end()

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``argv`` in ``cwd`` in the session's container; see :meth:`Sandbox.exec`.

        A command that cannot be found gives returncode 127 (126: not executable) and a
        ``proctor sandbox:`` line on stderr; a timeout gives ``timed_out=True`` and
        returncode -9; an exit status 128+N is reported as -N (killed by signal N).

        Raises:
            SandboxError: ``argv`` is empty, ``cwd`` or a mount does not exist, ``cwd`` is not
                inside a mount, or the engine refuses the container.
        """
        if not argv:
            raise SandboxError("cannot run an empty argv")
        cwd = cwd.absolute()
        for folder in (cwd, *self.mounts.writable, *self.mounts.readonly):
            if not folder.exists():
                raise SandboxError(f"sandbox folder does not exist: {folder}")
        visible = (*self.mounts.writable, *self.mounts.readonly)
        if not any(cwd.is_relative_to(p.absolute()) for p in visible):
            raise SandboxError(f"working folder {cwd} is not inside any sandbox mount")
        full_env = {**_base_env("/tmp"), **scrub_env(env or {})}
        with self._lock:
            if os.geteuid() != 0:
                return self._run(tuple(argv), cwd, full_env, timeout)
            # The command's user owns the writable folders while it runs, and proctor again
            # afterwards (git refuses a repository another user owns).
            for folder in self.mounts.writable:
                _give(folder.absolute(), self.uid, self.gid)
            try:
                return self._run(tuple(argv), cwd, full_env, timeout)
            finally:
                for folder in self.mounts.writable:
                    _give(folder.absolute(), os.geteuid(), os.getegid())

    def _run(
        self, argv: tuple[str, ...], cwd: Path, env: dict[str, str], timeout: float
    ) -> ExecResult:
        import docker

        start = time.monotonic()
        session = self._session
        for tries_left in (1, 0):  # a container that died between commands: a fresh one
            try:
                container = session.ensure(self._mount_ids(), self._create)
                exec_id = self._exec_create(container, argv, cwd, env)
                break
            except docker.errors.DockerException as exc:
                session.kill()
                if not tries_left:
                    raise SandboxError(f"docker sandbox cannot run {argv[0]!r}: {exc}") from None
        reader = _Reader(self._client, exec_id, self.max_output_bytes)
        thread = threading.Thread(target=reader.read, name="proctor-docker-exec", daemon=True)
        thread.start()
        thread.join(max(start + timeout - time.monotonic(), 0.0))
        if thread.is_alive():  # timed out: the container goes, with all the command started
            session.kill()
            thread.join(60)
            duration = time.monotonic() - start
            out, err = reader.text()
            return ExecResult(argv, -9, out, err, duration, timed_out=True)
        if reader.error is not None:
            session.kill()
            raise SandboxError(f"docker sandbox lost its container: {reader.error}")
        try:
            code = self._client.api.exec_inspect(exec_id).get("ExitCode")
        except docker.errors.DockerException as exc:
            session.kill()
            raise SandboxError(f"docker sandbox lost its container: {exc}") from None
        duration = time.monotonic() - start
        out, err = reader.text()
        session.tidy()
        if code is None:
            code = -9
        if code == 126 and out.startswith("OCI runtime exec failed"):  # its exec failed
            return _not_started(argv, out, duration)
        if 128 < code <= 128 + 64:
            code = 128 - code  # a death by signal N reads as 128+N
        return ExecResult(argv, code, out, err, duration, False)

    def _exec_create(
        self, container: str, argv: tuple[str, ...], cwd: Path, env: dict[str, str]
    ) -> str:
        created = self._client.api.exec_create(
            container,
            list(argv),
            workdir=str(cwd),
            environment=env,
            user=f"{self.uid}:{self.gid}",
            stdout=True,
            stderr=True,
            stdin=False,
            tty=False,
        )
        return str(created["Id"])

    def _create(self) -> str:
        """Start a new session container; its id."""
        sweep_orphans()
        container = self._client.containers.create(self.image, _KEEPER, **self._options())
        try:
            container.start()
        except BaseException:
            with contextlib.suppress(Exception):
                container.remove(force=True)
            raise
        return str(container.id)

    def _mount_ids(self) -> tuple[tuple[int, int], ...]:
        """(device, inode) of every mount's source: one replaced on the host needs a new
        container (a bind mount keeps the old one)."""
        ids = []
        for _, path in _binds(self.mounts):
            st = os.stat(path)
            ids.append((st.st_dev, st.st_ino))
        return tuple(ids)

    def _options(self) -> dict[str, Any]:
        from docker.types import Mount, Ulimit

        lim = self.limits
        mounts = [
            Mount(str(path), str(path), type="bind", read_only=ro)
            for ro, path in _binds(self.mounts)
        ]
        return {
            "user": f"{self.uid}:{self.gid}",
            "network_mode": "none",
            "read_only": True,
            "init": True,
            "mounts": mounts,
            "tmpfs": {"/tmp": f"rw,exec,nosuid,nodev,size={lim.file_size_mb}m,mode=1777"},
            "mem_limit": f"{lim.memory_mb}m",
            "memswap_limit": f"{lim.memory_mb}m",
            "nano_cpus": int(CPUS * 1e9),
            "pids_limit": lim.nproc,
            "ulimits": [
                Ulimit(name="cpu", soft=lim.cpu_s, hard=lim.cpu_s + 1),
                Ulimit(name="fsize", soft=lim.file_size_mb * _MIB, hard=lim.file_size_mb * _MIB),
                Ulimit(name="core", soft=0, hard=0),
            ],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "ipc_mode": "private",
            "labels": {LABEL: "session", OWNER_LABEL: _owner()},
            "stdin_open": False,
            "log_config": {"type": "none", "config": {}},
        }


@dataclass
class _Session:
    """The container of one sandbox, and what retires it (shared with its finalizer, so it
    must not hold the sandbox)."""

    client: Any
    container_id: str | None = None
    mount_ids: tuple[tuple[int, int], ...] = ()
    pid: int = field(default_factory=os.getpid)

    def ensure(self, mount_ids: tuple[tuple[int, int], ...], create: Any) -> str:
        """The running container, started anew when there is none or a mount was replaced."""
        if self.container_id is not None and mount_ids != self.mount_ids:
            self.kill()
        if self.container_id is None:
            self.container_id = str(create())
            self.mount_ids = mount_ids
        return self.container_id

    def tidy(self) -> None:
        """After a command: empty /tmp, and retire the container if anything it started is
        still running (or /tmp cannot be emptied)."""
        if self.container_id is None:
            return
        api = self.client.api
        try:
            created = api.exec_create(self.container_id, _EMPTY_TMP)
            api.exec_start(created["Id"])
            emptied = api.exec_inspect(created["Id"]).get("ExitCode") == 0
            left = len(api.top(self.container_id).get("Processes") or [])
        except Exception:  # whatever went wrong, a fresh container is safe
            emptied, left = False, 0
        if not emptied or left > _KEEPER_PROCESSES:
            self.kill()

    def kill(self) -> None:
        """Kill and remove the container now (the next command starts a fresh one)."""
        cid, self.container_id = self.container_id, None
        if cid is not None and os.getpid() == self.pid:
            _remove(self.client, cid)

    def end(self) -> None:
        """Remove the container (the finalizer: only in the process that made it)."""
        self.kill()


def _remove(client: Any, cid: str) -> None:
    with contextlib.suppress(Exception):  # already gone, perhaps
        client.api.remove_container(cid, force=True)


class _Reader:
    """Reads one exec's output (up to a limit per stream, the rest counted) in a thread."""

    def __init__(self, client: Any, exec_id: str, limit: int) -> None:
        self.client, self.exec_id, self.limit = client, exec_id, limit
        self.out, self.err = bytearray(), bytearray()
        self.dropped = [0, 0]
        self.error: Exception | None = None

    def read(self) -> None:
        try:
            stream = self.client.api.exec_start(self.exec_id, stream=True, demux=True)
            for out, err in stream:
                self._keep(0, self.out, out)
                self._keep(1, self.err, err)
        except Exception as exc:  # reported by the caller (a kill ends the stream too)
            self.error = exc

    def _keep(self, which: int, buf: bytearray, data: bytes | None) -> None:
        if not data:
            return
        room = self.limit - len(buf)
        buf += data[: max(room, 0)]
        self.dropped[which] += max(len(data) - max(room, 0), 0)

    def text(self) -> tuple[str, str]:
        return (_text(bytes(self.out), self.dropped[0]), _text(bytes(self.err), self.dropped[1]))


def sweep_orphans() -> None:
    """Remove session containers whose proctor process is gone (killed before it could)."""
    _sweep_once(os.getpid())


@functools.cache
def _sweep_once(pid: int) -> None:
    del pid  # once per process
    client = docker_client()
    with contextlib.suppress(Exception):
        for c in client.api.containers(all=True, filters={"label": f"{LABEL}=session"}):
            owner = (c.get("Labels") or {}).get(OWNER_LABEL, "")
            if not _alive(owner):
                _remove(client, c["Id"])


def _owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def _alive(owner: str) -> bool:
    """Whether the process named by an owner label still runs (another host's: assumed so)."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname():
        return True
    return pid.isdigit() and _started(int(pid)) == started


def _started(pid: int) -> str:
    """The process's start time (clock ticks since boot), '' when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _binds(mounts: Mounts) -> list[tuple[bool, Path]]:
    """(read-only?, absolute path) of every mount, shallowest first (deeper ones win)."""
    binds = [(True, p.absolute()) for p in mounts.readonly]
    binds += [(False, p.absolute()) for p in mounts.writable]
    return sorted(binds, key=lambda bind: len(bind[1].parts))


def _not_started(argv: tuple[str, ...], why: str, duration: float) -> ExecResult:
    """What a shell would say of a program the container could not start."""
    if "permission denied" in why.lower() and "executable file not found" not in why:
        return ExecResult(
            argv, 126, "", f"proctor sandbox: permission denied: {argv[0]}\n", duration
        )
    if "not found" in why or "no such file" in why.lower():
        message = f"proctor sandbox: command not found: {argv[0]}\n"
        return ExecResult(argv, 127, "", message, duration)
    raise SandboxError(f"docker sandbox cannot start {argv[0]!r}: {why.strip()}")


def _text(data: bytes, dropped: int) -> str:
    text = data.decode(errors="replace")
    if dropped:
        text += f"\n[proctor: output truncated, {dropped} more bytes dropped]\n"
    return text


def _give(root: Path, uid: int, gid: int) -> None:
    """Make everything under ``root`` belong to ``uid:gid`` (what is already theirs is skipped)."""
    for path in _walk(root):
        try:
            st = os.lstat(path)
            if st.st_uid != uid or st.st_gid != gid:
                os.lchown(path, uid, gid)
        except FileNotFoundError:
            continue


def _walk(root: Path) -> Iterator[str]:
    yield str(root)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            yield os.path.join(folder, name)
