"""Choosing the tasks of a run: ``--task ID`` (repeatable), ``-k PATTERN`` and ``--limit N``."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence

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
