"""Candidate commits: parse ``git log --numstat`` and screen each commit, without running git.

A candidate changes source and tests together, within the size caps, with no binary file.
:func:`screen` gives every commit either ``reason=None`` (a candidate, to be verified) or the
reason it was dropped; both are pure functions of the log text and the options.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath

from proctor.mine.options import MineOptions
from proctor.repo import is_test_path

LOG_FORMAT = "%x1e%H%x00%P%x00%cI%x00%B%x00"
"""The ``--format`` :func:`parse_log` reads (with ``--numstat -z --no-renames``)."""


@dataclass(frozen=True)
class FileChange:
    """One file of a commit's diff against its first parent."""

    path: str
    added: int | None
    """Lines added; None for a binary file."""
    deleted: int | None
    """Lines deleted; None for a binary file."""

    @property
    def binary(self) -> bool:
        """Whether git counted no lines because the file is binary."""
        return self.added is None or self.deleted is None

    @property
    def lines(self) -> int:
        """Lines added plus deleted (0 for a binary file)."""
        return (self.added or 0) + (self.deleted or 0)


@dataclass(frozen=True)
class Commit:
    """A commit of the first-parent history, with its diff stat against the first parent."""

    sha: str
    parents: tuple[str, ...]
    date: str
    """Committer date, ISO 8601 with offset."""
    message: str
    files: tuple[FileChange, ...]

    @property
    def base(self) -> str | None:
        """The first parent (the merge's mainline for a merge); None for a root commit."""
        return self.parents[0] if self.parents else None

    @property
    def is_merge(self) -> bool:
        """Whether the commit has more than one parent."""
        return len(self.parents) > 1

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.strip().split("\n", 1)[0].strip()


class Kind(str, Enum):
    """What a changed file is, for mining."""

    TEST = "test"
    SOURCE = "source"
    DOC = "doc"
    OTHER = "other"


@dataclass(frozen=True)
class Screened:
    """A commit after screening: a candidate when ``reason`` is None."""

    commit: Commit
    tests: tuple[str, ...]
    sources: tuple[str, ...]
    reason: str | None = None


def parse_log(text: str) -> list[Commit]:
    """Commits of ``git log --format=LOG_FORMAT --numstat -z --no-renames`` output.

    Records are split on the 0x1e byte that starts each one; paths stay exactly as git
    wrote them (``-z`` does no quoting).
    """
    commits: list[Commit] = []
    for record in text.split("\x1e"):
        if not record.strip("\0\n"):
            continue
        sha, parents, date, message, rest = record.split("\0", 4)
        files = [_numstat(entry) for entry in rest.lstrip("\0\n").split("\0") if entry.strip()]
        commits.append(Commit(sha, tuple(parents.split()), date, message.strip("\n"), tuple(files)))
    return commits


def _numstat(entry: str) -> FileChange:
    added, deleted, path = entry.lstrip("\n").split("\t", 2)
    return FileChange(
        path,
        int(added) if added.isdigit() else None,
        int(deleted) if deleted.isdigit() else None,
    )


def matches(path: str, globs: Sequence[str]) -> bool:
    """Whether ``path`` matches a glob (no ``/``: the file name; else the whole path)."""
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(path if "/" in g else name, g) for g in globs)


def classify(path: str, options: MineOptions) -> Kind:
    """Test, source, doc or other; tests first, as the grader excludes them from the fix."""
    if is_test_path(path) or matches(path, options.test_globs):
        return Kind.TEST
    if matches(path, options.doc_globs):
        return Kind.DOC
    if matches(path, options.src_globs):
        return Kind.SOURCE
    return Kind.OTHER


def screen_commit(commit: Commit, options: MineOptions) -> Screened:
    """Screen one commit: the first rule it breaks is its reason."""
    kinds = {change.path: classify(change.path, options) for change in commit.files}
    tests = tuple(p for p, k in kinds.items() if k is Kind.TEST)
    sources = tuple(p for p, k in kinds.items() if k is Kind.SOURCE)
    fix = [c for c in commit.files if kinds[c.path] in (Kind.SOURCE, Kind.OTHER)]

    def drop(reason: str) -> Screened:
        return Screened(commit, tests, sources, reason)

    if commit.base is None:
        return drop("root commit")
    if not commit.files:
        return drop("no file changes")
    binary = [c.path for c in commit.files if c.binary]
    if binary:
        return drop(f"binary change: {binary[0]}")
    if all(k is Kind.DOC for k in kinds.values()):
        return drop("docs or changelog only")
    if not tests:
        return drop("no test change")
    if not sources:
        return drop("no source change")
    if len(fix) > options.max_files:
        return drop(f"too many files: {len(fix)} > {options.max_files}")
    lines = sum(c.lines for c in fix)
    if lines > options.max_lines:
        return drop(f"too many lines: {lines} > {options.max_lines}")
    if options.single_file and len(fix) != 1:
        return drop(f"not a single-file fix: {len(fix)} files")
    if len(sources) < options.min_files:
        return drop(f"fewer source files than {options.min_files}: {len(sources)}")
    return Screened(commit, tests, sources)


def screen(commits: Sequence[Commit], options: MineOptions) -> list[Screened]:
    """Screen every commit, in the order given (newest first from ``git log``)."""
    return [screen_commit(commit, options) for commit in commits]


def window(screened: Sequence[Screened], limit: int | None) -> list[Screened]:
    """The candidates to verify: the first ``limit`` that passed the screen (all if None)."""
    kept = [s for s in screened if s.reason is None]
    return kept if limit is None else kept[:limit]
