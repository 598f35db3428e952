"""Reading a repository's history with git: the first-parent log, merges and their branches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from proctor.mine.candidates import LOG_FORMAT, Commit, parse_log
from proctor.mine.options import MineOptions
from proctor.repo import git_dir_args, resolve_commit, run_git


def log_argv(options: MineOptions) -> list[str]:
    """``git log`` arguments: first parent only, each merge diffed against its mainline."""
    argv = [
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--no-renames",
        "--numstat",
        "-z",
        f"--format={LOG_FORMAT}",
    ]
    if options.since:
        argv.append(f"--since={options.since}")
    if options.until:
        argv.append(f"--until={options.until}")
    return [*argv, options.rev, "--"]


def read_history(source: Path, options: MineOptions) -> list[Commit]:
    """The first-parent history of ``options.rev`` in ``source``, newest first.

    Raises:
        RepoError: the revision does not exist or git fails.
    """
    resolve_commit(source, options.rev)
    proc = run_git([*git_dir_args(source), *log_argv(options)])
    return parse_log(proc.stdout.decode("utf-8", "surrogateescape"))


def merge_conflicts(source: Path, commit: Commit) -> bool:
    """Whether merging the merge's parents again reports conflicts (``git merge-tree``).

    A git too old for ``merge-tree --write-tree`` (before 2.38) reports none.
    """
    if not commit.is_merge:
        return False
    argv = [*git_dir_args(source), "merge-tree", "--write-tree", "--no-messages"]
    proc = run_git([*argv, *commit.parents[:2]], check=False)
    return proc.returncode == 1


def branch_messages(source: Path, commit: Commit) -> str:
    """The messages of the commits a merge brought in (oldest first), for its statement."""
    if not commit.is_merge:
        return ""
    rng = f"{commit.parents[0]}..{commit.parents[1]}"
    argv = [*git_dir_args(source), "log", "--reverse", "--no-merges", "--format=%B%x00", rng]
    proc = run_git(argv, check=False)
    parts = proc.stdout.decode("utf-8", "replace").split("\0")
    return "\n\n".join(p.strip() for p in parts if p.strip())


def existing_paths(source: Path, commit: str, paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` that are files of ``commit`` (a commit may delete test files)."""
    if not paths:
        return []
    argv = [*git_dir_args(source), "ls-tree", "-r", "-z", "--name-only", commit, "--", *paths]
    listed = run_git(argv, env={"GIT_LITERAL_PATHSPECS": "1"}).stdout.decode(
        "utf-8", "surrogateescape"
    )
    found = set(listed.split("\0"))
    return [p for p in paths if p in found]
