"""The ``docker`` sandbox backend: each command runs in a fresh container of the local engine.

A command runs in a container of the environment's image (``Mounts.extra["image"]``, set by
:func:`proctor.testrun.session_mounts` for an environment built by
:class:`~proctor.sandbox.docker_env.ImageProvider`; without one, :data:`FALLBACK_IMAGE`). What
it sees and may do:

* no network (``network_mode=none``), no capabilities, ``no-new-privileges``;
* a read-only root filesystem; ``Mounts.writable`` bind-mounted writable and
  ``Mounts.readonly`` read-only at the same paths as on the host (deeper mounts last, so a
  read-only file inside the writable checkout stays read-only), and a private tmpfs ``/tmp``;
* a non-root user: as root, proctor makes the writable folders that user's (:data:`SANDBOX_UID`,
  by ``chown``, never ``chmod 777``) while the command runs, and its own again afterwards; as
  another user, the container runs with that user's ids;
* a memory cgroup cap (``Limits.memory_mb``, no swap), a CPU quota (:data:`CPUS` cores), a pids
  cap (``Limits.nproc``), RLIMIT_CPU, RLIMIT_FSIZE and no core dumps;
* the same scrubbed environment as the local backends (:func:`~proctor.sandbox.scrub_env`);
* ``docker-init`` as pid 1, so signals and RLIMIT_CPU reach the command as they would on the host;
* on timeout the container is killed, and every container is removed once its command ends.

The ``docker`` Python package is optional (``pip install 'proctor[docker]'``); it is imported
only when the backend is used, and its absence is one line saying how to install it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
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
    "SANDBOX_UID",
    "DockerSandbox",
]

SANDBOX_UID = 10001
"""The user (and group) commands run as when proctor itself runs as root."""
CPUS = 2.0
"""CPU quota of one container, in cores."""
FALLBACK_IMAGE = "proctor-base:py3.11"
"""The image a command runs in when its mounts name none."""
LABEL = "proctor.role"
"""Label on every container proctor makes: ``attempt`` or ``build``."""
_MIB = 1024 * 1024


class DockerSandbox:
    """Runs each command in a new container (see the module docstring for what it enforces).

    Args:
        mounts: the folders the command sees besides the image; ``extra["image"]`` names the
            image (an environment image), else :data:`FALLBACK_IMAGE`.
        limits: resource caps for every command.
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

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run ``argv`` in ``cwd`` in a new container; see :meth:`Sandbox.exec`.

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
        try:
            container = self._client.containers.create(
                self.image, list(argv), working_dir=str(cwd), environment=env, **self._options()
            )
        except docker.errors.DockerException as exc:
            raise SandboxError(f"docker sandbox cannot create a container: {exc}") from None
        try:
            try:
                container.start()
            except docker.errors.APIError as exc:
                return _not_started(argv, str(exc), time.monotonic() - start)
            code, timed_out = _wait(container, start + timeout)
            out = container.logs(stdout=True, stderr=False)
            err = container.logs(stdout=False, stderr=True)
        except docker.errors.DockerException as exc:
            raise SandboxError(f"docker sandbox lost its container: {exc}") from None
        finally:
            # already gone, perhaps (the engine cleaned it up)
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)
        if code in (126, 127) and err.startswith(b"[FATAL tini"):  # its exec failed
            why = "permission denied" if b"Permission denied" in err else "command not found"
            err = f"proctor sandbox: {why}: {argv[0]}\n".encode()
            code = 126 if why == "permission denied" else 127
        if 128 < code <= 128 + 64:
            code = 128 - code  # docker-init relays a death by signal N as 128+N
        if timed_out:
            code = -9
        duration = time.monotonic() - start
        limit = self.max_output_bytes
        return ExecResult(argv, code, _text(out, limit), _text(err, limit), duration, timed_out)

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
            "labels": {LABEL: "attempt"},
            "stdin_open": False,
            "log_config": {"type": "json-file", "config": {}},
        }


def _binds(mounts: Mounts) -> list[tuple[bool, Path]]:
    """(read-only?, absolute path) of every mount, shallowest first (deeper ones win)."""
    binds = [(True, p.absolute()) for p in mounts.readonly]
    binds += [(False, p.absolute()) for p in mounts.writable]
    return sorted(binds, key=lambda bind: len(bind[1].parts))


def _wait(container: Any, deadline: float) -> tuple[int, bool]:
    """(exit status, timed out?): wait for the container until ``deadline``, then kill it."""
    import requests

    remaining = max(deadline - time.monotonic(), 0.01)
    try:
        status = container.wait(timeout=remaining)
        return int(status.get("StatusCode", -1)), False
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
        pass
    with contextlib.suppress(Exception):
        container.kill()
    container.wait(timeout=60)
    return -9, True


def _not_started(argv: tuple[str, ...], why: str, duration: float) -> ExecResult:
    """What a shell would say of a program the container could not start."""
    if "permission denied" in why.lower() and "executable file not found" not in why:
        return ExecResult(argv, 126, "", f"proctor sandbox: permission denied: {argv[0]}\n", 0.0)
    if "not found" in why or "no such file" in why.lower():
        message = f"proctor sandbox: command not found: {argv[0]}\n"
        return ExecResult(argv, 127, "", message, duration)
    raise SandboxError(f"docker sandbox cannot start {argv[0]!r}: {why}")


def _text(data: bytes, limit: int) -> str:
    text = data[:limit].decode(errors="replace")
    if len(data) > limit:
        text += f"\n[proctor: output truncated, {len(data) - limit} more bytes dropped]\n"
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
