"""Choosing the tasks of a run: ``--task ID`` (repeatable), ``-k PATTERN`` and ``--limit N``."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path

import typer

from proctor.errors import ConfigError
from proctor.spec import Task

TASK_OPT = typer.Option(
    None, "--task", metavar="ID", help="Only this task (repeatable); an unknown id is an error."
)
PATTERN_OPT = typer.Option(
    None,
    "-k",
    metavar="PATTERN",
    help="Only tasks whose id contains PATTERN, or matches it as a glob (*, ?, [..]).",
)
LIMIT_OPT = typer.Option(
    None, "--limit", metavar="N", min=1, help="At most the first N tasks (after --task and -k)."
)


def _matches(task_id: str, pattern: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(task_id, pattern)
    return pattern in task_id


def select_tasks(
    tasks: Sequence[Task],
    ids: Sequence[str] | None = None,
    pattern: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    """The tasks chosen, in the suite's order.

    Raises:
        ConfigError: an id names no task of the suite, or nothing is left to run.
    """
    chosen = list(tasks)
    if ids:
        known = {t.id for t in tasks}
        unknown = [i for i in dict.fromkeys(ids) if i not in known]
        if unknown:
            near = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise ConfigError(
                f"unknown task id {', '.join(map(repr, unknown))} "
                f"(the suite has {len(known)} tasks{hint})"
            )
        wanted = set(ids)
        chosen = [t for t in chosen if t.id in wanted]
    if pattern:
        chosen = [t for t in chosen if _matches(t.id, pattern)]
        if not chosen:
            raise ConfigError(f"-k {pattern!r} matches no task of the suite")
    if limit is not None:
        chosen = chosen[:limit]
    return chosen


def select_in_suites(
    suites: Mapping[Path, Sequence[Task]],
    ids: Sequence[str] | None = None,
    pattern: str | None = None,
    limit: int | None = None,
) -> dict[Path, list[Task]]:
    """Each suite's chosen tasks, as :func:`select_tasks` chooses them from all the suites
    together (an id must name a task of one of them), ``limit`` counting in each suite; a
    suite left with no task is left out.

    Raises:
        ConfigError: an id names no task of any suite, or nothing is left to run.
    """
    every = [t for tasks in suites.values() for t in tasks]
    chosen = {t.id for t in select_tasks(every, ids, pattern)}
    picked = {path: [t for t in tasks if t.id in chosen][:limit] for path, tasks in suites.items()}
    return {path: tasks for path, tasks in picked.items() if tasks}
