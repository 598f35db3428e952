"""Model names the CLI accepts: the baselines, the catalog's chat models, and chat models that
installed packages register in the ``proctor.models`` entry-point group.

Entry points are read only when a name is neither a catalog entry nor an ad hoc form
(``openai:MODEL``, ``URL#MODEL``, ``local:NAME``), so a broken third-party package cannot stop
a run that never asked for its model.
"""

from __future__ import annotations

from collections.abc import Callable

from proctor.errors import ConfigError
from proctor.model.base import Solver
from proctor.model.baselines import EmptyModel, GoldModel
from proctor.model.catalog import ModelSpec, find_spec
from proctor.model.llm import ChatModel
from proctor.plugins import load_plugin, plugin_names, unknown_name

BASELINES = ("gold", "empty")

ENTRY_POINT_GROUP = "proctor.models"
"""Entry-point group where a package registers a chat model: ``name = "module:factory"``."""

ChatModelFactory = Callable[[], ChatModel]
"""Makes a fresh chat model (one per attempt: its budget and records are its own business)."""

AD_HOC = "openai:MODEL, URL#MODEL, local:NAME"


def resolve_model(name: str, reference: Callable[[str], str]) -> Solver:
    """The model called ``name``; ``reference`` gives the gold patch of a task id.

    Raises:
        ConfigError: no model has that name.
    """
    if name == "gold":
        return GoldModel(reference)
    if name == "empty":
        return EmptyModel()
    raise ConfigError(f"unknown model {name!r} (known: {', '.join(BASELINES)})")


def available_models(catalog: dict[str, ModelSpec]) -> list[str]:
    """Names of every chat model: the catalog's and those installed packages register."""
    return sorted({*catalog, *plugin_names(ENTRY_POINT_GROUP)})


def resolve_chat_model(name: str, catalog: dict[str, ModelSpec]) -> ModelSpec | ChatModelFactory:
    """The endpoint called ``name`` (a catalog entry or an ad hoc form), or else the factory
    an installed package registers as ``name`` in the ``proctor.models`` group.

    Raises:
        ConfigError: no model has that name, ``local:NAME`` names no weights, or the entry
            point cannot be loaded (what its factory makes is checked when it is called).
    """
    spec = find_spec(name, catalog)
    if spec is not None:
        return spec
    factory = load_plugin(ENTRY_POINT_GROUP, name, kind="model")
    if factory is None:
        available = [*available_models(catalog), AD_HOC]
        raise ConfigError(unknown_name("model", name, available))
    return _checked(name, factory)


def _checked(name: str, factory: Callable[[], object]) -> ChatModelFactory:
    def make() -> ChatModel:
        chat = factory()
        if not isinstance(chat, ChatModel):
            raise ConfigError(f"model {name}: {chat!r} does not implement proctor's ChatModel")
        return chat

    return make
