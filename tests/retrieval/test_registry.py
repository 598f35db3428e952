"""The retriever registry: built-ins, a toy retriever from an entry point, clear errors."""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from proctor import retrieval
from proctor.errors import ConfigError
from proctor.retrieval import Chunk, Context


class GrepRetriever:
    """A toy retriever: every line of ``*.py`` that holds a word of the statement."""

    name = "grep"

    def retrieve(self, statement: str, checkout: Path, budget_tokens: int) -> Context:
        words = set(re.findall(r"\w+", statement))
        chunks = [
            Chunk(str(path.relative_to(checkout)), n, n, line, "file")
            for path in sorted(checkout.rglob("*.py"))
            for n, line in enumerate(path.read_text().splitlines(), 1)
            if words & set(re.findall(r"\w+", line))
        ]
        return Context(tuple(chunks))


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A package registers ``grep`` (and a broken ``nope``, a non-retriever ``odd``); returns
    the groups the registry asked for."""
    group = retrieval.ENTRY_POINT_GROUP
    points = [
        EntryPoint("grep", f"{__name__}:GrepRetriever", group),
        EntryPoint("nope", "proctor_broken_plugin:Retriever", group),
        EntryPoint("odd", "builtins:object", group),
    ]
    asked: list[str] = []

    def entry_points(*, group: str) -> list[EntryPoint]:
        asked.append(group)
        return [p for p in points if p.group == group]

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    return asked


def test_built_ins_need_no_entry_point(installed: list[str]) -> None:
    assert retrieval.get_retriever("bm25").name == "bm25"
    assert installed == []


def test_a_toy_retriever_registers_through_the_entry_point_group(
    installed: list[str], tmp_path: Path
) -> None:
    (tmp_path / "a.py").write_text("x = 1\ndef mean(): pass\n")
    retriever = retrieval.get_retriever("grep")
    assert isinstance(retriever, GrepRetriever) and isinstance(retriever, retrieval.Retriever)
    assert installed == ["proctor.retrievers"]
    context = retriever.retrieve("fix mean", tmp_path, 100)
    assert [(c.path, c.start_line) for c in context.chunks] == [("a.py", 2)]
    assert retrieval.available_retrievers() == [
        "bm25", "bm25-files", "grep", "hybrid", "nope", "odd", "oracle"
    ]  # fmt: skip


def test_unknown_and_broken_retrievers_say_so_in_one_line(installed: list[str]) -> None:
    available = "bm25, bm25-files, grep, hybrid, nope, odd, oracle"
    unknown = f"unknown retriever 'magic' (available: {available})"
    with pytest.raises(ConfigError, match=re.escape(unknown)):
        retrieval.get_retriever("magic")
    with pytest.raises(ConfigError, match="retriever nope: cannot load proctor_broken_plugin"):
        retrieval.get_retriever("nope")
    with pytest.raises(ConfigError, match="does not implement proctor's Retriever"):
        retrieval.get_retriever("odd")
