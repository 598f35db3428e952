"""Plugins: factories that installed packages register in an entry-point group.

Each registry (test runners, sandboxes, environment providers, chat models, retrievers) knows
its built-ins by name and asks here only when a name misses, so a broken third-party package
cannot stop a run that never asked for it. A package registers ``name = "module:factory"``::

    [project.entry-points."proctor.retrievers"]
    grep = "proctor_grep:GrepRetriever"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any, cast

from proctor.errors import ConfigError, ProctorError

__all__ = ["load_plugin", "plugin_names", "unknown_name"]


def plugin_names(group: str) -> list[str]:
    """Names installed packages register in entry-point ``group``, sorted."""
    return sorted({ep.name for ep in metadata.entry_points(group=group)})


def load_plugin(
    group: str, name: str, *, kind: str, error: type[ProctorError] = ConfigError
) -> Callable[..., Any] | None:
    """The factory an installed package registers as ``name`` in ``group``; None if none does.

    Args:
        group: the entry-point group, e.g. ``proctor.runners``.
        name: the entry point's name.
        kind: what the registry holds, for messages (``runner``, ``retriever`` ...).
        error: the exception the registry's layer raises.

    Raises:
        ProctorError: (``error``) the entry point cannot be imported, or is not callable.
    """
    for ep in metadata.entry_points(group=group):
        if ep.name != name:
            continue
        try:
            loaded: object = ep.load()
        except Exception as exc:  # a third-party package: whatever it raises, in one line
            raise error(f"{kind} {name}: cannot load {ep.value}: {exc}") from exc
        if not callable(loaded):
            raise error(f"{kind} {name}: {ep.value} is not callable")
        return cast("Callable[..., Any]", loaded)
    return None


def unknown_name(kind: str, name: str, available: Iterable[str]) -> str:
    """The one line for a name no registry knows: ``unknown KIND 'NAME' (available: ...)``."""
    return f"unknown {kind} {name!r} (available: {', '.join(available) or 'none'})"
