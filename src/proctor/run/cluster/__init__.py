"""Runs on a Ray cluster (``proctor[ray]``): the second :class:`~proctor.run.executor.Executor`.

Nothing here imports Ray until :func:`open_ray` is called, so local runs never load it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.mine import Verifier
    from proctor.run.cluster.ray_executor import RayExecutor
    from proctor.settings import Settings

LOCAL = ""
"""``--ray`` given without an address: start a local Ray instance."""


@contextmanager
def open_ray(address: str, *, endpoint_cap: int | None = None) -> Iterator[RayExecutor]:
    """A Ray executor joined to the cluster at ``address`` (``auto``, ``HOST:PORT``,
    ``ray://HOST:PORT``, or :data:`LOCAL` to start one here) for the duration of the context.

    Raises:
        ConfigError: Ray is not installed, cannot start, or nothing answers at ``address``.
    """
    try:
        from proctor.run.cluster import ray_executor
    except ImportError as exc:
        raise ConfigError(
            f"--ray needs Ray: pip install 'proctor[ray]' ({exc.name or exc} is missing)"
        ) from None
    ray_executor.connect(address or None)
    try:
        if endpoint_cap is None:
            yield ray_executor.RayExecutor()
        else:
            yield ray_executor.RayExecutor(endpoint_cap=endpoint_cap)
    finally:
        ray_executor.shutdown()


@contextmanager
def open_ray_verifier(address: str, settings: Settings) -> Iterator[Verifier]:
    """A :class:`~proctor.mine.Verifier` that runs each mined candidate's tests on the Ray
    cluster at ``address`` (as :func:`open_ray`), for the duration of the context.

    Raises:
        ConfigError: Ray is not installed, cannot start, or nothing answers at ``address``.
    """
    with open_ray(address):
        from proctor.run.cluster.mine_nodes import RayVerifier

        yield RayVerifier(settings)


__all__ = ["LOCAL", "open_ray", "open_ray_verifier"]
