"""Model names the CLI accepts."""

from __future__ import annotations

from collections.abc import Callable

from proctor.errors import ConfigError
from proctor.model.base import Model
from proctor.model.baselines import EmptyModel, GoldModel

BASELINES = ("gold", "empty")


def resolve_model(name: str, reference: Callable[[str], str]) -> Model:
    """The model called ``name``; ``reference`` gives the gold patch of a task id.

    Raises:
        ConfigError: no model has that name.
    """
    if name == "gold":
        return GoldModel(reference)
    if name == "empty":
        return EmptyModel()
    raise ConfigError(f"unknown model {name!r} (known: {', '.join(BASELINES)})")
