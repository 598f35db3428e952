"""Runs on a Ray cluster (``proctor[ray]``): the second :class:`~proctor.run.executor.Executor`.

Nothing here imports Ray until :func:`open_ray` is called, so local runs never load it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.run.cluster.ray_executor import RayExecutor

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


__all__ = ["LOCAL", "open_ray"]
