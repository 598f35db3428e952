"""Localization recall: did the context hold the code the reference change touches?

The *targets* of a reference patch are the chunks of the base checkout it changes, found with
the same chunker the retrievers use (:mod:`~proctor.retrieval.parse`):

* a removed or changed line belongs to its owner, the smallest chunk holding it (a method
  before its class; a class owns its header and class-level statements);
* a pure addition belongs to the smallest chunk that holds both lines around the insertion
  point, or that holds the line before it when the added code is indented deeper than the
  chunk's first line (a statement appended to a function body);
* anything else (a new import, a new top-level function between two others) is a ``file``
  target.

Only Python files that exist at base count: docs, changelogs and new files cannot be
retrieved. File-level recall asks whether any chunk of each touched file was retrieved;
function-level recall asks whether each function/class/module target was retrieved exactly
(a ``file`` chunk holding the whole file holds all of them) and leaves ``file`` targets out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from proctor.repo import split_patch, touched_paths
from proctor.retrieval.base import Chunk
from proctor.retrieval.parse import owner, parse_source

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@")


@dataclass(frozen=True)
class Target:
    """A unit of the base checkout that the reference change touches."""

    path: str
    kind: str
    """``function``, ``class``, ``module`` or ``file``."""
    name: str
    start_line: int
    end_line: int

    def held_by(self, chunk: Chunk) -> bool:
        """Whether showing ``chunk`` shows this target."""
        if chunk.path != self.path:
            return False
        if chunk.kind == "file" or self.kind == "file":
            return True
        return (chunk.kind, chunk.name, chunk.start_line) == (self.kind, self.name, self.start_line)


@dataclass(frozen=True)
class Edits:
    """The changes of one file, in base line numbers."""

    removed: frozenset[int]
    """Lines removed or replaced."""
    insertions: tuple[tuple[int, int], ...]
    """(base line the added lines go before, indentation of the first non-blank added line)."""


@dataclass(frozen=True)
class Recall:
    """How many of the targets were found."""

    found: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def total(self) -> int:
        """Number of targets."""
        return len(self.found) + len(self.missed)

    @property
    def value(self) -> float | None:
        """found / total, ``None`` when there is nothing to find."""
        return len(self.found) / self.total if self.total else None


def file_edits(section: str) -> Edits:
    """The edits of one file's section of a unified diff."""
    removed: set[int] = set()
    insertions: list[tuple[int, int]] = []
    old = old_left = new_left = 0
    adding: int | None = None
    for line in section.split("\n"):
        match = _HUNK.match(line)
        if old_left <= 0 and new_left <= 0:
            if match is not None:
                old = int(match.group(1)) + (0 if match.group(2) != "0" else 1)
                old_left = int(match.group(2) or "1")
                new_left = int(match.group(3) or "1")
                adding = None
            continue
        tag, body = line[:1], line[1:]
        if tag == "+":
            new_left -= 1
            if adding is None:
                adding = len(insertions)
                insertions.append((old, -1))
            if body.strip() and insertions[adding][1] < 0:
                insertions[adding] = (old, len(body) - len(body.lstrip()))
            continue
        adding = None
        if tag == "-":
            removed.add(old)
            old, old_left = old + 1, old_left - 1
        elif tag in {" ", ""}:
            old, old_left, new_left = old + 1, old_left - 1, new_left - 1
    return Edits(frozenset(removed), tuple((at, max(ind, 0)) for at, ind in insertions))


def _indent(text: str, line: int) -> int:
    lines = text.split("\n")
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(row) - len(row.lstrip())


def _insertion_owner(chunks: Sequence[Chunk], text: str, before: int, indent: int) -> Chunk | None:
    fits = [
        c
        for c in chunks
        if (c.start_line <= before - 1 and before <= c.end_line)
        or (c.start_line <= before - 1 <= c.end_line and indent > _indent(text, c.start_line))
    ]
    return min(fits, key=lambda c: (c.end_line - c.start_line, c.start_line), default=None)


def file_targets(path: str, text: str, edits: Edits) -> list[Target]:
    """The targets of ``edits`` to the base file ``path`` with content ``text``."""
    chunks = parse_source(path, text.encode("utf-8", "surrogateescape")).chunks
    owners = [owner(chunks, line) for line in sorted(edits.removed)]
    owners += [_insertion_owner(chunks, text, at, ind) for at, ind in edits.insertions]
    found: dict[tuple[str, str, int], Target] = {}
    for chunk in owners:
        if chunk is None:
            target = Target(path, "file", "", 1, text.count("\n") + 1)
        else:
            target = Target(path, chunk.kind, chunk.name, chunk.start_line, chunk.end_line)
        found.setdefault((target.kind, target.name, target.start_line), target)
    return sorted(found.values(), key=lambda t: (t.start_line, t.kind != "file", t.name))


def file_section(patch: str, path: str) -> str:
    """The sections of ``patch`` that touch only ``path``."""

    def only(candidate: str) -> bool:
        return candidate == path

    return split_patch(patch, only)[0]


def gold_targets(patch: str, base_sources: Mapping[str, str]) -> list[Target]:
    """The targets of ``patch`` given the base text of each Python file it touches.

    Args:
        patch: a unified diff against base.
        base_sources: base text of touched files; a touched ``.py`` file missing here (new
            at base) has no targets.
    """
    targets: list[Target] = []
    for path in touched_paths(patch):
        if not path.endswith(".py") or path not in base_sources:
            continue
        section = file_section(patch, path)
        targets.extend(file_targets(path, base_sources[path], file_edits(section)))
    return targets


def read_base_sources(patch: str, checkout: Path) -> dict[str, str]:
    """Text of every ``.py`` file the patch touches that exists in ``checkout``."""
    found: dict[str, str] = {}
    for path in touched_paths(patch):
        full = checkout / path
        if path.endswith(".py") and full.is_file() and not full.is_symlink():
            found[path] = full.read_bytes().decode("utf-8", "surrogateescape")
    return found


def _label(target: Target) -> str:
    return f"{target.path}::{target.name}" if target.name else target.path


def file_recall(targets: Sequence[Target], chunks: Sequence[Chunk], k: int | None = None) -> Recall:
    """Touched files with a chunk among the first ``k`` distinct files of ``chunks``."""
    files = list(dict.fromkeys(c.path for c in chunks if c.kind != "map"))
    shown = set(files if k is None else files[:k])
    wanted = list(dict.fromkeys(t.path for t in targets))
    return Recall(
        tuple(p for p in wanted if p in shown), tuple(p for p in wanted if p not in shown)
    )


def function_recall(
    targets: Sequence[Target], chunks: Sequence[Chunk], k: int | None = None
) -> Recall:
    """Function/class/module targets held by one of the first ``k`` chunks (all if None)."""
    shown = [c for c in chunks if c.kind != "map"]
    shown = shown if k is None else shown[:k]
    units = [t for t in targets if t.kind != "file"]
    hit = [t for t in units if any(t.held_by(c) for c in shown)]
    return Recall(tuple(_label(t) for t in hit), tuple(_label(t) for t in units if t not in hit))
