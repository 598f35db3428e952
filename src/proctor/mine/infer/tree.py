"""Read-only views of a repository's files: at a git commit, or in a plain folder.

Inference reads a handful of files of a repository; :class:`RepoTree` is all it needs, so
the same readers work on a mirror at a pinned commit (:class:`GitTree`) and on a folder
(:class:`DirTree`, for local paths and tests).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from proctor.repo import git_dir_args, run_git

__all__ = ["DirTree", "GitTree", "RepoTree"]


class RepoTree(Protocol):
    """The tracked files of a repository at one point in its history."""

    def files(self) -> Sequence[str]:
        """Every tracked path (posix, relative to the repository root), sorted."""
        ...

    def read(self, path: str) -> str | None:
        """The text of ``path``; None if it is absent, binary or not UTF-8."""
        ...


def _text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class GitTree:
    """A repository's files at ``commit``, read from its git directory (reads are cached).

    Args:
        git_dir: a git directory (bare mirror) or a working repository's top level.
        commit: any commit-ish git can resolve.

    Raises:
        RepoError: (on first use) git fails or the commit is unknown.
    """

    def __init__(self, git_dir: Path, commit: str) -> None:
        self._args = git_dir_args(git_dir)
        self._commit = commit
        self._files: tuple[str, ...] | None = None
        self._tracked: frozenset[str] = frozenset()
        self._cache: dict[str, str | None] = {}

    def files(self) -> Sequence[str]:
        """Every tracked path at the commit (one ``git ls-tree``)."""
        if self._files is None:
            out = run_git([*self._args, "ls-tree", "-r", "--name-only", "-z", self._commit])
            names = out.stdout.decode("utf-8", "surrogateescape").split("\x00")
            self._files = tuple(sorted(n for n in names if n))
            self._tracked = frozenset(self._files)
        return self._files

    def last_tag(self) -> str | None:
        """The newest tag reachable from the commit (``git describe``), None if there is none."""
        proc = run_git([*self._args, "describe", "--tags", "--abbrev=0", self._commit], check=False)
        tag = proc.stdout.decode("utf-8", "replace").strip()
        return tag if proc.returncode == 0 and tag else None

    def prefetch(self, paths: Sequence[str]) -> None:
        """Read many tracked files with one ``git cat-file --batch`` (later reads are cached)."""
        self.files()
        wanted = [p for p in dict.fromkeys(paths) if p in self._tracked and p not in self._cache]
        if not wanted:
            return
        request = "".join(f"{self._commit}:{p}\n" for p in wanted).encode("utf-8")
        out = run_git([*self._args, "cat-file", "--batch"], input=request).stdout
        at = 0
        for path in wanted:
            header_end = out.index(b"\n", at)
            header = out[at:header_end].split()
            if len(header) < 3 or header[-1] == b"missing":
                self._cache[path] = None
                at = header_end + 1
                continue
            size = int(header[2])
            self._cache[path] = _text(out[header_end + 1 : header_end + 1 + size])
            at = header_end + 1 + size + 1  # the object, then a newline

    def read(self, path: str) -> str | None:
        """The text of ``path`` at the commit, None if it is not a tracked text file."""
        if path not in self._cache:
            data: str | None = None
            self.files()
            if path in self._tracked:
                proc = run_git([*self._args, "cat-file", "blob", f"{self._commit}:{path}"])
                data = _text(proc.stdout)
            self._cache[path] = data
        return self._cache[path]


class DirTree:
    """The files of a plain folder (``.git`` and other version-control folders skipped).

    Args:
        root: the folder.
    """

    _SKIP = frozenset({".git", ".hg", ".svn"})

    def __init__(self, root: Path) -> None:
        self._root = root

    def files(self) -> Sequence[str]:
        """Every file below the folder, relative and sorted."""
        found: list[str] = []
        for top, dirs, names in os.walk(self._root):
            dirs[:] = [d for d in dirs if d not in self._SKIP]
            rel = Path(top).relative_to(self._root)
            found += [(rel / n).as_posix() for n in names]
        return sorted(found)

    def read(self, path: str) -> str | None:
        """The text of ``path``, None if it is absent, binary or not UTF-8."""
        full = self._root / path
        try:
            return _text(full.read_bytes()) if full.is_file() else None
        except OSError:
            return None
