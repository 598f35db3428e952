"""The suite page: the ``tasks stats`` figures, and the tasks by repository, category, date."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from proctor.report.html.render import render_page
from proctor.report.suite_stats import repo_label, suite_stats
from proctor.spec import Task


def task_rows(tasks: Sequence[Task]) -> list[dict[str, object]]:
    """One row per task: id, repository, category, date, files changed, statement words."""
    return [
        {
            "id": t.id,
            "repo": repo_label(t.repo),
            "category": t.category or "unknown",
            "date": str(t.created_at)[:10],
            "files": t.difficulty.files if t.difficulty is not None else None,
            "words": len(t.problem_statement.split()),
            "f2p": len(t.hidden_tests.fail_to_pass),
            "p2p": len(t.hidden_tests.pass_to_pass),
        }
        for t in sorted(tasks, key=lambda t: (repo_label(t.repo), str(t.created_at), t.id))
    ]


def write_suite(
    tasks: Sequence[Task],
    path: Path,
    *,
    root: str,
    suite: str,
    nav: Sequence[tuple[str, str]],
    back: str,
) -> Path:
    """Write the suite page of ``tasks`` to ``path``."""
    stats = suite_stats(tasks)
    return render_page(
        "suite.html",
        path,
        root=root,
        title=f"suite {Path(suite).name}",
        nav=nav,
        back=back,
        suite=suite,
        stats=stats.to_json(),
        tasks=task_rows(tasks),
    )
