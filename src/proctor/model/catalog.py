"""The models file: named chat endpoints with their prices, and ad hoc names.

Two YAML files are read, the project's ``models.yaml`` and then the user's own
(``$XDG_CONFIG_HOME/proctor/models.yaml``, by default ``~/.config/proctor/models.yaml``);
an entry of the user's file replaces the project's entry of the same name whole. The file
looks like::

    models:
      gpt-4o-mini:
        base_url: https://api.openai.com/v1
        model: gpt-4o-mini
        api_key_env: OPENAI_API_KEY
        context_window: 128000
        price_in_per_mtok: 0.15
        price_out_per_mtok: 0.60

Names not in the catalog may be written ad hoc: ``openai:MODEL``, ``URL#MODEL`` (any
OpenAI-compatible server) and ``local:NAME`` (offline weights served by llama.cpp, see
:mod:`proctor.model.local`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from proctor.errors import ConfigError
from proctor.model.weights import WEIGHTS

OPENAI_BASE_URL = "https://api.openai.com/v1"
EDIT_FORMATS = ("search-replace", "whole-file", "udiff", "function")
"""The edit formats a one-shot agent knows (:mod:`proctor.agent.formats`)."""
LOCAL_CONTEXT = 8192
"""Context window given to ad hoc ``local:NAME`` models (CPU time grows with it)."""


class ModelSpec(BaseModel):
    """One chat endpoint: where it is, how to authenticate, what it costs."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """The name proctor knows it by (a catalog key or an ad hoc form)."""
    base_url: str = ""
    """OpenAI-compatible base URL, e.g. ``https://api.openai.com/v1``; empty for a local
    model whose server is not started yet."""
    model: str
    """The model id the server expects in requests."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key; None for servers without one."""
    context_window: int = 8192
    """Tokens the model accepts, prompt and answer together."""
    price_in_per_mtok: float = 0.0
    """US dollars per million prompt tokens."""
    price_out_per_mtok: float = 0.0
    """US dollars per million completion tokens."""
    training_cutoff: dt.date | None = None
    """Last date of the training data, when published (tasks after it are uncontaminated)."""
    released: dt.date | None = None
    """When the model's weights or API were first published (comparisons warn when the
    compared models' releases lie months apart)."""
    local: str | None = None
    """Offline weights to serve with llama.cpp (a :data:`~proctor.model.weights.WEIGHTS`
    name); proctor starts the server and fills in ``base_url``."""
    edit_format: str | None = None
    """How a one-shot answer writes edits: ``search-replace``, ``whole-file``, ``udiff`` or
    ``function`` (as Aider's per-model default); None: search-replace (``function`` for
    ``local:NAME``). ``--edit-format`` overrides it."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Endpoint options: ``temperature`` (default when the caller gives none), ``headers``
    (sent with every request), ``params`` (extra request-body fields)."""
    grammar: bool | None = None
    """The endpoint takes a GBNF ``grammar`` in a chat request (llama.cpp's server does; the
    OpenAI API does not): one-shot answers in the ``function`` format are then decoded under
    the format's grammar (:mod:`proctor.agent.grammar`). None: on for offline (``local``)
    models only."""

    @model_validator(mode="after")
    def _has_place(self) -> ModelSpec:
        if self.edit_format is not None and self.edit_format not in EDIT_FORMATS:
            known = ", ".join(EDIT_FORMATS)
            raise ValueError(f"edit_format: unknown {self.edit_format!r} (known: {known})")
        if not self.base_url and self.local is None:
            raise ValueError("base_url is required (unless 'local' names offline weights)")
        if self.local is not None and self.local not in WEIGHTS:
            known = ", ".join(sorted(WEIGHTS))
            raise ValueError(f"local: unknown weights {self.local!r} (known: {known})")
        return self

    @property
    def takes_grammar(self) -> bool:
        """Whether requests to this endpoint may carry a GBNF grammar (see ``grammar``)."""
        return self.grammar if self.grammar is not None else self.local is not None

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Dollars for one call with these token counts."""
        return (
            prompt_tokens * self.price_in_per_mtok + completion_tokens * self.price_out_per_mtok
        ) / 1e6


def default_user_file() -> Path:
    """``$XDG_CONFIG_HOME/proctor/models.yaml`` (``~/.config`` when the variable is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "proctor" / "models.yaml"


def _read_file(path: Path) -> dict[str, ModelSpec]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} not valid YAML") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("models", {}), dict):
        raise ConfigError(f"{path}: models: expected a mapping of name -> model entry")
    unknown = set(data) - {"models"}
    if unknown:
        raise ConfigError(f"{path}: {sorted(unknown)[0]}: unknown top-level key")
    specs: dict[str, ModelSpec] = {}
    for name, entry in (data.get("models") or {}).items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: models.{name}: expected a mapping")
        try:
            specs[str(name)] = ModelSpec.model_validate({**entry, "name": str(name)})
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            dotted = f"models.{name}.{field}" if field else f"models.{name}"
            raise ConfigError(f"{path}: {dotted}: {err['msg']}") from exc
    return specs


def load_catalog(project_file: Path | None, user_file: Path | None) -> dict[str, ModelSpec]:
    """The named models of both files, the user's entries winning; missing files are skipped.

    Raises:
        ConfigError: a file is malformed (the message names the file and the field).
    """
    catalog: dict[str, ModelSpec] = {}
    for path in (project_file, user_file):
        if path is not None and path.is_file():
            catalog.update(_read_file(path))
    return catalog


LOCAL_DATES: dict[str, tuple[dt.date | None, dt.date | None]] = {
    # (training_cutoff, released) of each offline model, from its model card and report.
    # Qwen2.5-Coder: neither the cards (huggingface.co/Qwen/Qwen2.5-Coder-*-Instruct) nor the
    # technical report (arXiv:2409.12186) publish a data cutoff. The report, first submitted
    # 2024-09-18, already describes the 5.5T-token corpus that every size was trained on, so
    # its submission date is the cutoff used: the latest day the data can come from. The
    # 1.5B was released with that report (2024-09-19); the 0.5B, 3B, 14B and 32B followed on
    # 2024-11-12 (the report's v2 and the cards' "six sizes" update).
    "qwen2.5-coder-0.5b": (dt.date(2024, 9, 18), dt.date(2024, 11, 12)),
    "qwen2.5-coder-1.5b": (dt.date(2024, 9, 18), dt.date(2024, 9, 19)),
    # SmolLM2 (huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct): no cutoff published.
    "smollm2-135m": (None, None),
}
"""Training cutoff and release date of each offline model (None where not published)."""

LOCAL_MAX_ANSWER = 1024
"""Default cap on one answer of a local model, in tokens: a whole function, as the ``function``
format asks for, runs past 512 (3 of 33 answers of the 0.5B model were cut off there, each a
function copied whole; under the format's grammar an answer is code, not rambling)."""

LOCAL_EDIT_FORMAT = "function"
"""Edit format of the small offline models: whole functions, as they write them on HumanEval."""

LOCAL_CONTEXT_TOKENS = 1500
"""Default cap on the retrieved context shown to a local model, in tokens."""


def local_spec(name: str, port: int | None = None) -> ModelSpec:
    """The spec of offline model ``name``, at ``http://127.0.0.1:PORT/v1`` when a port is given.

    Raises:
        ConfigError: no offline weights have that name.
    """
    if name not in WEIGHTS:
        raise ConfigError(f"unknown local model {name!r} (known: {', '.join(sorted(WEIGHTS))})")
    cutoff, released = LOCAL_DATES.get(name, (None, None))
    return ModelSpec(
        name=f"local:{name}",
        training_cutoff=cutoff,
        released=released,
        base_url="" if port is None else f"http://127.0.0.1:{port}/v1",
        model=name,
        context_window=LOCAL_CONTEXT,
        local=name,
        # A small model on a CPU writes ~10-20 tokens/s and may ramble until the window is
        # full; cap each answer so one call cannot eat the task's whole time budget.
        # Likewise keep the retrieved context short: prompt processing is the slow part there.
        extra={"max_tokens": LOCAL_MAX_ANSWER, "context_tokens": LOCAL_CONTEXT_TOKENS},
        edit_format=LOCAL_EDIT_FORMAT,
    )


def resolve_spec(name: str, catalog: dict[str, ModelSpec]) -> ModelSpec:
    """The spec called ``name``: a catalog entry, or one of the ad hoc forms.

    ``openai:MODEL`` is OpenAI's API with ``OPENAI_API_KEY``; ``URL#MODEL`` any
    OpenAI-compatible server, authenticated by ``PROCTOR_API_KEY`` when that is set;
    ``local:NAME`` offline weights (a server is started for it by
    :func:`proctor.model.local.serving`).

    Raises:
        ConfigError: the name is neither in the catalog nor an ad hoc form.
    """
    spec = find_spec(name, catalog)
    if spec is None:
        known = ", ".join(sorted(catalog)) or "none"
        raise ConfigError(
            f"unknown model {name!r} (known: {known}; or openai:MODEL, URL#MODEL, local:NAME)"
        )
    return spec


def find_spec(name: str, catalog: dict[str, ModelSpec]) -> ModelSpec | None:
    """Like :func:`resolve_spec`, but None for a name that is neither in the catalog nor an
    ad hoc form.

    Raises:
        ConfigError: ``local:NAME`` names no offline weights.
    """
    if name in catalog:
        return catalog[name]
    if name.startswith("openai:") and len(name) > len("openai:"):
        model = name.removeprefix("openai:")
        return ModelSpec(
            name=name, base_url=OPENAI_BASE_URL, model=model, api_key_env="OPENAI_API_KEY"
        )
    if name.startswith("local:"):
        return local_spec(name.removeprefix("local:"))
    url, sep, model = name.partition("#")
    if sep and model and url.startswith(("http://", "https://")):
        key_env = "PROCTOR_API_KEY" if os.environ.get("PROCTOR_API_KEY") else None
        return ModelSpec(name=name, base_url=url.rstrip("/"), model=model, api_key_env=key_env)
    return None
