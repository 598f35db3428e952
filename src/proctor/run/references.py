"""Where each task's source repository and reference patches come from, computed once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from proctor.repo import ensure_source, reference_patches
from proctor.spec import Task


@dataclass(frozen=True)
class TaskSource:
    """A task's repository and its reference split into fix and hidden tests."""

    git_dir: Path
    gold_patch: str
    test_patch: str


class References:
    """Resolves and caches :class:`TaskSource` per task id; thread-safe.

    Raises (from :meth:`source`):
        RepoError: the repository, a commit or a hidden test file cannot be had.
    """

    def __init__(self, tasks: list[Task], repos_dir: Path) -> None:
        self._tasks = {t.id: t for t in tasks}
        self._repos_dir = repos_dir
        self._cache: dict[str, TaskSource] = {}
        self._lock = threading.Lock()

    def source(self, task_id: str) -> TaskSource:
        """The task's repository and reference patches."""
        with self._lock:
            if task_id not in self._cache:
                task = self._tasks[task_id]
                git_dir = ensure_source(task.repo, self._repos_dir)
                gold, tests = reference_patches(git_dir, task)
                self._cache[task_id] = TaskSource(git_dir, gold, tests)
            return self._cache[task_id]

    def gold(self, task_id: str) -> str:
        """The reference fix without test files (what the ``gold`` model applies)."""
        return self.source(task_id).gold_patch
