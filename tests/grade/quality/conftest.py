"""Small repositories built at test time, and changes made to them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Repo:
    """A repository folder at base; :meth:`change` edits it and returns base/after texts."""

    root: Path

    def write(self, files: Mapping[str, str]) -> Repo:
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return self

    def change(
        self, edits: Mapping[str, str | None]
    ) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Apply ``edits`` (None deletes) and return (base, after) of the touched paths."""
        base: dict[str, str | None] = {}
        after: dict[str, str | None] = {}
        for rel, text in edits.items():
            path = self.root / rel
            base[rel] = path.read_text(encoding="utf-8") if path.exists() else None
            after[rel] = text
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        return base, after

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[Mapping[str, str]], Repo]:
    """Build a repository from {path: text}; call it again for a second one."""
    count = 0

    def make(files: Mapping[str, str]) -> Repo:
        nonlocal count
        count += 1
        root = tmp_path / f"repo{count}"
        root.mkdir()
        return Repo(root).write(files)

    return make


def _module(n: int = 12, *, docstrings: bool = True, quote: str = '"') -> str:
    parts = ['"""A module."""\n' if docstrings else ""]
    for i in range(n):
        doc = f'    """Return {i}."""\n' if docstrings else ""
        parts.append(f"\n\ndef value_{i}(x: int) -> str:\n{doc}    return {quote}v{i}{quote}\n")
    return "".join(parts)


@pytest.fixture
def module_text() -> Callable[..., str]:
    """``module_text(n=12, docstrings=True, quote='"')``: ``n`` small public functions."""
    return _module
