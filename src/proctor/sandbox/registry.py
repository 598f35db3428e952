"""The one way to get a sandbox, and the one way to get an environment: two small registries.

:func:`open_sandbox` turns a backend name into a :class:`~proctor.sandbox.base.Sandbox`:

* ``auto`` and the built-in names (``bwrap``, ``unshare``, ``none``) make a
  :class:`~proctor.sandbox.local.LocalSandbox`, under the no-downgrade rule of
  :mod:`proctor.sandbox.backends`; ``docker`` (or ``auto`` where bubblewrap does not work but
  a Docker engine does) makes a :class:`~proctor.sandbox.docker_sandbox.DockerSandbox`;
* a name given to :func:`register_sandbox` makes whatever its factory makes;
* any other name is looked up once in the ``proctor.sandboxes`` entry-point group, so a package
  can add a backend without editing proctor (the entry point names a factory with the
  signature of :data:`SandboxFactory`).

:class:`EnvProvider` builds, caches by content hash and describes the environment a task's
tests run in; :func:`env_provider` returns one by name (``venv``, the built-in: a uv venv per
:meth:`~proctor.spec.Environment.key` under the cache folder; ``image``: a container image per
key, :class:`~proctor.sandbox.docker_env.ImageProvider`), and :func:`provider_for` the one a
sandbox backend runs (``image`` for docker, ``venv`` for the local backends). Third-party
providers register with :func:`register_env_provider` or the ``proctor.env_providers``
entry-point group.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol, cast

from proctor.errors import EnvironmentBuildError, SandboxError
from proctor.plugins import load_plugin, unknown_name
from proctor.sandbox.backends import BACKENDS, CONTAINER_BACKENDS, detect_backend
from proctor.sandbox.base import Limits, Mounts, Sandbox
from proctor.sandbox.docker_env import ImageProvider
from proctor.sandbox.docker_sandbox import DockerSandbox
from proctor.sandbox.env import PythonEnv, build_env, env_status
from proctor.sandbox.local import LocalSandbox
from proctor.spec import Environment

SandboxFactory = Callable[[Mounts, Limits], Sandbox]
"""Makes a sandbox that shows the command ``mounts`` and applies ``limits``."""

_SANDBOXES: dict[str, SandboxFactory] = {}


def register_sandbox(name: str, factory: SandboxFactory) -> None:
    """Make ``open_sandbox(name, ...)`` call ``factory`` (a later registration wins)."""
    if name == "auto" or name in BACKENDS:
        raise SandboxError(f"sandbox backend {name!r} is built in and cannot be replaced")
    _SANDBOXES[name] = factory


def sandbox_names() -> list[str]:
    """Every backend name :func:`open_sandbox` knows now (entry points not yet loaded aside)."""
    return ["auto", *BACKENDS, *sorted(_SANDBOXES)]


def open_sandbox(backend: str, mounts: Mounts, limits: Limits = Limits()) -> Sandbox:
    """The sandbox ``backend`` names, showing ``mounts`` and applying ``limits``.

    Raises:
        SandboxError: the name is unknown here (registered, built in, or an entry point), or
            names a built-in backend that cannot run here (``auto``: no full isolation).
    """
    if backend == "auto" or backend in BACKENDS:
        if detect_backend(backend) in CONTAINER_BACKENDS:
            return DockerSandbox(mounts, limits)
        return LocalSandbox(mounts, limits, backend=backend)
    factory = _SANDBOXES.get(backend) or cast(
        "SandboxFactory | None", _entry_point("proctor.sandboxes", backend)
    )
    if factory is None:
        raise SandboxError(unknown_name("sandbox backend", backend, sandbox_names()))
    return factory(mounts, limits)


class EnvProvider(Protocol):
    """Builds, caches by content hash and describes the environment a task's tests run in."""

    name: str

    def build(
        self,
        env: Environment,
        repo: str,
        *,
        as_of: datetime | None = None,
        log: Path | None = None,
    ) -> PythonEnv:
        """Build the environment (or reuse the one with the same content hash).

        ``as_of`` resolves an unlocked ``env`` as published before that date (None: now).

        Raises:
            EnvironmentBuildError: it cannot be built; one line naming the key and the step.
        """
        ...

    def status(
        self, env: Environment, repo: str, *, as_of: datetime | None = None
    ) -> PythonEnv | None:
        """The environment if it is completely built, else None; changes nothing."""
        ...


class VenvProvider:
    """A uv venv per content hash under ``envs_dir`` (:func:`proctor.sandbox.build_env`)."""

    name = "venv"

    def __init__(self, envs_dir: Path) -> None:
        self.envs_dir = envs_dir

    def build(
        self,
        env: Environment,
        repo: str,
        *,
        as_of: datetime | None = None,
        log: Path | None = None,
    ) -> PythonEnv:
        """See :meth:`EnvProvider.build`.

        Raises:
            EnvironmentBuildError: also, before building, for an environment that needs
                system packages, which only the docker sandbox installs.
        """
        if env.system_packages:
            names = " ".join(env.system_packages)
            raise EnvironmentBuildError(
                f"environment {env.key(repo)} needs system packages ({names}), which a host "
                "venv cannot have; run it with --sandbox docker"
            )
        return build_env(env, repo, self.envs_dir, as_of=as_of, log=log)

    def status(
        self, env: Environment, repo: str, *, as_of: datetime | None = None
    ) -> PythonEnv | None:
        """See :meth:`EnvProvider.status`."""
        return env_status(env, repo, self.envs_dir, as_of=as_of)


EnvProviderFactory = Callable[[Path], EnvProvider]
"""Makes a provider that keeps its environments under the given cache folder."""

_PROVIDERS: dict[str, EnvProviderFactory] = {"venv": VenvProvider, "image": ImageProvider}


def register_env_provider(name: str, factory: EnvProviderFactory) -> None:
    """Make ``env_provider(name, ...)`` call ``factory`` (a later registration wins)."""
    _PROVIDERS[name] = factory


def env_provider(name: str, envs_dir: Path) -> EnvProvider:
    """The environment provider ``name``, keeping its environments under ``envs_dir``.

    Raises:
        SandboxError: no provider has that name (registered, built in, or an entry point).
    """
    factory = _PROVIDERS.get(name) or cast(
        "EnvProviderFactory | None", _entry_point("proctor.env_providers", name)
    )
    if factory is None:
        raise SandboxError(unknown_name("environment provider", name, sorted(_PROVIDERS)))
    return factory(envs_dir)


def provider_for(backend: str) -> str:
    """The environment provider a sandbox backend runs on: ``image`` for a container backend
    (``auto`` resolved as :func:`open_sandbox` resolves it), ``venv`` for the others.

    Raises:
        SandboxError: ``backend`` names a built-in backend that does not work here.
    """
    if backend == "auto" or backend in BACKENDS:
        return "image" if detect_backend(backend) in CONTAINER_BACKENDS else "venv"
    return "venv"


@functools.cache
def _entry_point(group: str, name: str) -> object | None:
    """The factory an installed package registers as ``name`` in ``group``, or None (cached:
    every attempt opens sandboxes)."""
    return load_plugin(group, name, kind=f"{group} entry point", error=SandboxError)
