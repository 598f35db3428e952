"""proctor's settings: one pydantic-settings model.

Precedence, highest first: CLI options (passed as init kwargs) > environment (``PROCTOR_*``) >
defaults. Nothing is read at import time; call :func:`get_settings`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "proctor"


class Settings(BaseSettings):
    """Where proctor keeps things and how hard it may push the machine."""

    model_config = SettingsConfigDict(env_prefix="PROCTOR_", extra="ignore")

    repos_dir: Path = Field(
        Path("repos"), description="Cache of bare mirrors, repos/OWNER/NAME.git."
    )
    cache_dir: Path = Field(
        default_factory=_default_cache,
        description="Environments (venvs by content hash) and other rebuildable caches.",
    )
    sandbox: str = Field(
        "auto",
        description="Sandbox backend: auto (bubblewrap, else docker, or refuse to run untrusted "
        "code), bwrap, docker, or, only when named, the weaker unshare (host filesystem visible) "
        "or none (no isolation).",
    )
    docker_base_image: str = Field(
        "proctor-base:py{python}",
        description="Base image of the docker sandbox's environment images; {python} stands "
        "for the task's Python ('3.11'). E.g. python:{python}-slim where a registry is reachable.",
    )
    memory_mb: int = Field(4096, description="Address-space cap for sandboxed commands, MiB.")
    test_timeout_s: float = Field(900.0, description="Wall-clock cap for one hidden-test run.")
    per_test_timeout_s: float = Field(120.0, description="Per-test cap passed to the test runner.")
    quality: bool = Field(True, description="Grade lint, conventions and hygiene as well.")

    @property
    def envs_dir(self) -> Path:
        """Folder holding one venv per environment hash."""
        return self.cache_dir / "envs"


def get_settings(**overrides: object) -> Settings:
    """Build settings from CLI overrides (those not None), the environment and defaults."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
