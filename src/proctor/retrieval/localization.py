"""Localization benchmark: how much of each reference fix a retriever's ranking finds.

For every task, the checkout at base is sealed and the reference fix (tests excluded) is mapped
to its *targets* (:mod:`~proctor.retrieval.recall`). A retriever's ranking is its context for an
unbounded budget: its units in order. The figures:

* function recall@k: targets of kind ``function`` whose own function unit is among the first
  ``k`` units (a whole-file or whole-class unit does not count), over all targets (``func@k``,
  micro: a fix touching 20 functions weighs 20 times one touching one, and can score at most
  ``k`` of them) and as the mean over tasks of each task's recall (``mean@k``, macro);
* file recall@k: touched files among the first ``k`` distinct files of the ranking;
* fully localized@k: share of tasks (with at least one function target) whose function targets
  are all among the first ``k`` units;
* recall in a budget: function targets held by the context the retriever returns for that
  many tokens (here a whole file holds every function in it).

The ``oracle`` row is SWE-bench's oracle setting (:class:`~proctor.retrieval.oracle.
OracleRetriever`): the files the reference fix touches, whole, Python files first, in patch
order; the upper bound of what a context can hold in a budget.

A suite is split by repository, not by task, so that nothing tuned on a repository is scored
on it: repositories are ordered by the SHA-256 of their URL, and every second one (the 2nd,
4th, ...) is in the ``test`` part, the others in ``tune`` (:func:`split_by_repo`).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proctor.repo import ensure_source, reference_patches, sealed_checkout, touched_lines
from proctor.retrieval.base import Chunk, Retriever
from proctor.retrieval.oracle import OracleRetriever
from proctor.retrieval.pertask import for_task, retrieve_budgets
from proctor.retrieval.recall import Target, gold_targets, read_base_sources
from proctor.spec import Task

FUNCTION_KS = (1, 5, 10)
FILE_KS = (1, 3)
FULL_KS = (5, 10)
BUDGETS = (2000, 8000)
UNBOUNDED = 10**9
"""A budget that holds a whole repository: the context is then the whole ranking."""
ORACLE = "oracle"
SPLITS = ("tune", "test", "all")


def split_by_repo(tasks: Sequence[Task]) -> dict[str, list[Task]]:
    """The ``tune`` and ``test`` parts of ``tasks`` (and ``all``), split by repository."""
    repos = sorted({t.repo for t in tasks}, key=lambda r: hashlib.sha256(r.encode()).hexdigest())
    test = set(repos[1::2])
    return {
        "tune": [t for t in tasks if t.repo not in test],
        "test": [t for t in tasks if t.repo in test],
        "all": list(tasks),
    }


@dataclass(frozen=True)
class TaskScore:
    """One retriever on one task: counts of targets found."""

    task: str
    functions: int
    """Function targets."""
    files: int
    """Touched Python files existing at base."""
    function_found: dict[int, int]
    file_found: dict[int, int]
    budget_found: dict[int, int]
    """Budget to function targets the context of that budget holds."""


def _function_targets(targets: Iterable[Target]) -> list[Target]:
    return [t for t in targets if t.kind == "function"]


def _is_unit(target: Target, chunk: Chunk) -> bool:
    return (chunk.path, chunk.kind, chunk.name, chunk.start_line) == (
        target.path,
        target.kind,
        target.name,
        target.start_line,
    )


def score_ranking(
    task: str,
    targets: Sequence[Target],
    ranked: Sequence[Chunk],
    contexts: Mapping[int, Sequence[Chunk]],
) -> TaskScore:
    """The counts of one ranking (``ranked``) and its contexts per budget against ``targets``."""
    functions = _function_targets(targets)
    units = [c for c in ranked if c.kind != "map"]
    files = list(dict.fromkeys(t.path for t in targets))
    ranked_files = list(dict.fromkeys(c.path for c in units))

    def first(k: int) -> int:
        top = units[:k]
        return sum(any(_is_unit(t, c) for c in top) for t in functions)

    return TaskScore(
        task,
        len(functions),
        len(files),
        {k: first(k) for k in FUNCTION_KS + FULL_KS},
        {k: len(set(files) & set(ranked_files[:k])) for k in FILE_KS},
        {
            b: sum(any(t.held_by(c) for c in chunks) for t in functions)
            for b, chunks in contexts.items()
        },
    )


@dataclass
class Evaluation:
    """Scores per retriever, in task order."""

    retrievers: list[str]
    scores: dict[str, list[TaskScore]] = field(default_factory=dict)

    def add(self, name: str, score: TaskScore) -> None:
        """Record ``score`` for retriever ``name``."""
        self.scores.setdefault(name, []).append(score)


def evaluate_task(
    task: Task, retrievers: dict[str, Retriever], repos_dir: Path, scratch: Path
) -> dict[str, TaskScore]:
    """Score every retriever of ``retrievers`` (and the oracle) on ``task``.

    Each retriever gets what :func:`~proctor.retrieval.pertask.for_task` gives it: the
    history up to the base commit (never later), or for the oracle the reference's paths.
    It ranks once; its contexts for an unbounded budget (its ranking) and for each of
    :data:`BUDGETS` are scored.

    Raises:
        ProctorError: the repository, a commit or the reference cannot be had.
    """
    source = ensure_source(task.repo, repos_dir)
    gold, _ = reference_patches(source, task)
    checkout = sealed_checkout(source, task.base_commit, scratch / task.id)
    targets = gold_targets(gold, read_base_sources(gold, checkout))
    out: dict[str, TaskScore] = {}
    every = {**retrievers, ORACLE: retrievers.get(ORACLE) or OracleRetriever()}
    for name, retriever in every.items():
        ready = for_task(retriever, source, task.base_commit, lambda: touched_lines(gold))
        ranked, *budgeted = retrieve_budgets(
            ready, task.problem_statement, checkout, (UNBOUNDED, *BUDGETS)
        )
        contexts = {b: c.chunks for b, c in zip(BUDGETS, budgeted, strict=True)}
        out[name] = score_ranking(task.id, targets, ranked.chunks, contexts)
    return out


def evaluate(
    tasks: Sequence[Task],
    retrievers: dict[str, Retriever],
    repos_dir: Path,
    progress: Callable[[Task], None] | None = None,
) -> Evaluation:
    """Score every retriever on every task; the checkouts live in a temporary folder."""
    evaluation = Evaluation([*(n for n in retrievers if n != ORACLE), ORACLE])
    with tempfile.TemporaryDirectory(prefix="proctor-retrieval-eval-") as tmp:
        for task in tasks:
            if progress is not None:
                progress(task)
            for name, score in evaluate_task(task, retrievers, repos_dir, Path(tmp)).items():
                evaluation.add(name, score)
    return evaluation


def _pct(found: int, total: int) -> str:
    return f"{100 * found / total:.1f}%" if total else "-"


def metrics(scores: Sequence[TaskScore]) -> dict[str, str]:
    """The table's cells for one retriever: micro averages over targets, shares of tasks."""
    functions = sum(s.functions for s in scores)
    files = sum(s.files for s in scores)
    row: dict[str, str] = {}
    with_functions = [s for s in scores if s.functions]
    for k in FUNCTION_KS:
        row[f"func@{k}"] = _pct(sum(s.function_found[k] for s in scores), functions)
    for k in FUNCTION_KS:
        mean = sum(s.function_found[k] / s.functions for s in with_functions)
        row[f"mean@{k}"] = f"{100 * mean / len(with_functions):.1f}%" if with_functions else "-"
    for k in FILE_KS:
        row[f"file@{k}"] = _pct(sum(s.file_found[k] for s in scores), files)
    for k in FULL_KS:
        full = sum(s.function_found[k] == s.functions for s in with_functions)
        row[f"full@{k}"] = _pct(full, len(with_functions))
    for b in BUDGETS:
        row[f"in {b // 1000}k"] = _pct(sum(s.budget_found[b] for s in scores), functions)
    return row


def format_table(evaluation: Evaluation, title: str = "") -> str:
    """A Markdown table: one row per retriever, the oracle last."""
    rows = {name: metrics(evaluation.scores.get(name, [])) for name in evaluation.retrievers}
    columns = list(next(iter(rows.values())))
    any_scores = next(iter(evaluation.scores.values()), [])
    tasks = len(any_scores)
    functions = sum(s.functions for s in any_scores)
    files = sum(s.files for s in any_scores)
    lines = [f"{title}{tasks} tasks, {functions} function targets, {files} files"]
    lines.append("| retriever | " + " | ".join(columns) + " |")
    lines.append("|---|" + "---|" * len(columns))
    for name, row in rows.items():
        if name == ORACLE:  # whole files: no function unit, so no ranking of functions
            row = {
                c: "-" if c.split("@")[0] in {"func", "mean", "full"} else v for c, v in row.items()
            }
        lines.append(f"| {name} | " + " | ".join(row[c] for c in columns) + " |")
    return "\n".join(lines)
