"""A repository's history up to a base commit: what each earlier commit said and touched.

:func:`read_history` reads the commits that are ancestors of the base commit (the base
included), never a later one: ``git log BASE`` walks parents only, so a commit made after the
base (a child, a sibling branch, the task's own fix) cannot appear. For each commit it keeps
the message, the Python files it changed (paths as that commit left them) and the functions it
changed, named as git's Python hunk headers and the changed ``def`` lines name them (short
names: ``get``, not ``Cache.get``). Reading it costs one ``git log -p`` (about 0.6 s for
3,300 commits); it is cached per (repository, base commit) in the process.

The hybrid ranking (:mod:`~proctor.retrieval.hybrid`) draws two signals from it: past commits
whose messages resemble the statement lend a bonus to what they touched, and functions that
changed together with the best hits gain a share of their score.
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from proctor.repo import git_dir_args, resolve_commit, run_git

MAX_COMMITS = 3000
"""Newest ancestors read; older history says little of today's code and costs time."""

_RECORD, _FIELD = "\x1e", "\x1f"
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)")
_HUNK = re.compile(r"^@@ [^@]* @@ ?(.*)$")
_ATTRIBUTES = "*.py diff=python\n"
"""Git's built-in Python hunk headers (the nearest ``def``/``class`` above a hunk)."""


@dataclass(frozen=True)
class PastCommit:
    """One commit before the base: its message and what it changed."""

    sha: str
    message: str
    paths: tuple[str, ...]
    """Python files it changed or added (deleted ones left out), as that commit left them."""
    functions: tuple[tuple[str, str], ...]
    """(path, short name) of each function it changed, in diff order, without repeats."""


@dataclass(frozen=True)
class History:
    """The commits of a repository up to (and with) its base commit, newest first."""

    base: str
    """Full SHA of the base commit."""
    commits: tuple[PastCommit, ...]


def _functions(path: str, hunks: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """Functions a file's hunks change: the enclosing def of each hunk, and changed defs.

    A hunk whose first changed line is a ``def`` (or a decorator) starts a function of its
    own: git's header then names the function above it, which the hunk does not touch.
    """
    out: list[tuple[str, str]] = []
    for header, lines in hunks:
        first = lines[0][1:].lstrip() if lines else ""
        enclosing = _DEF.match(header)
        if enclosing and not (_DEF.match(first) or first.startswith("@")):
            out.append((path, enclosing.group(1)))
        out += [(path, m.group(1)) for line in lines if (m := _DEF.match(line[1:]))]
    return out


def _files(diff: list[str]) -> Iterator[tuple[str, list[tuple[str, list[str]]]]]:
    """(path, [(hunk header, changed lines)]) of each file of one commit's diff."""
    path: str | None = None
    hunks: list[tuple[str, list[str]]] = []
    for line in diff:
        if line.startswith("diff --git "):
            if path is not None:
                yield path, hunks
            path, hunks = None, []
        elif line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None  # /dev/null: deleted
        elif (found := _HUNK.match(line)) and path is not None:
            hunks.append((found.group(1), []))
        elif hunks and line[:1] in {"+", "-"}:
            hunks[-1][1].append(line)
    if path is not None:
        yield path, hunks


def parse_log(text: str) -> tuple[PastCommit, ...]:
    """The commits of ``git log -p --format=<RS>%H<US>%B<US>`` output, in its order."""
    commits = []
    for record in text.split(_RECORD)[1:]:
        sha, message, diff = [*record.split(_FIELD, 2), "", ""][:3]
        paths: list[str] = []
        functions: list[tuple[str, str]] = []
        for path, hunks in _files(diff.splitlines()):
            paths.append(path)
            functions += _functions(path, hunks)
        commits.append(
            PastCommit(sha.strip(), message.strip(), tuple(paths), tuple(dict.fromkeys(functions)))
        )
    return tuple(commits)


@functools.lru_cache(maxsize=16)
def _read(git_dir: str, base: str, limit: int) -> History:
    with tempfile.TemporaryDirectory(prefix="proctor-history-") as tmp:
        attributes = Path(tmp) / "attributes"
        attributes.write_text(_ATTRIBUTES, encoding="utf-8")
        log = run_git(
            [
                *git_dir_args(Path(git_dir)),
                "-c",
                f"core.attributesFile={attributes}",
                "log",
                "-p",
                "--unified=0",
                "--no-merges",
                "--no-renames",
                "--no-ext-diff",
                "--no-textconv",
                "--no-color",
                f"--max-count={limit}",
                f"--format={_RECORD}%H{_FIELD}%B{_FIELD}",
                base,
                "--",
                "*.py",
            ]
        )
    return History(base, parse_log(log.stdout.decode("utf-8", "replace")))


def read_history(source: Path, base: str, limit: int = MAX_COMMITS) -> History:
    """The newest ``limit`` commits of ``source`` that are ancestors of ``base`` (or base).

    Args:
        source: a git directory or working repository (e.g. a mirror of ``ensure_source``).
        base: any name of the base commit.
        limit: most commits read, newest first.

    Raises:
        RepoError: the base commit is not in ``source``, or git fails.
    """
    full = resolve_commit(source, base)
    return _read(str(source.resolve()), full, limit)
