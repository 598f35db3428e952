"""The local Docker engine: one client per process, and why it cannot be used (one line)."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from proctor.errors import SandboxError

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["docker_client", "engine_problem"]

_INSTALL = (
    "install the Python package (pip install 'proctor[docker]') and a Docker engine "
    "(Debian/Ubuntu: apt-get install docker.io)"
)


@functools.cache
def _client_for(pid: int) -> DockerClient:
    del pid  # one client per process: a forked child must not share the parent's connections
    import docker  # optional dependency, imported only when the backend is used

    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as exc:
        raise SandboxError(_unreachable(exc)) from None
    return client


def docker_client() -> DockerClient:
    """A client of the local engine (``DOCKER_HOST`` or the default socket), checked to answer.

    Raises:
        SandboxError: the ``docker`` package is missing, or no engine answers (one line: why,
            and the command that fixes it).
    """
    try:
        import docker  # noqa: F401
    except ImportError:
        raise SandboxError(f"the docker sandbox needs the 'docker' package: {_INSTALL}") from None
    return _client_for(os.getpid())


def _unreachable(exc: Exception) -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    text = str(exc)
    if "Permission denied" in text or "PermissionError" in text:
        return (
            f"cannot use the docker engine at {host}: permission denied; add this user to the "
            "'docker' group (usermod -aG docker $USER) or run as root"
        )
    return (
        f"no docker engine answers at {host}; start it (dockerd &, or systemctl start docker) "
        f"or {_INSTALL}"
    )


def engine_problem() -> str | None:
    """Why the docker backend cannot run here, in one line, or None when the engine answers."""
    try:
        docker_client()
    except SandboxError as exc:
        return str(exc)
    return None
