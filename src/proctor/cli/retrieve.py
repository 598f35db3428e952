"""`proctor retrieve`: show the context a retriever gives a task, and what of the fix it holds."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer

from proctor.cli.common import DEFAULT_SUITE, REPOS_OPT, SUITE_OPT, fail, settings_from
from proctor.errors import ProctorError
from proctor.repo import ensure_source, reference_patches, sealed_checkout, touched_lines
from proctor.retrieval import (
    EVAL_SPLITS,
    ORACLE_HELP,
    RETRIEVERS,
    Context,
    Recall,
    Target,
    evaluate,
    file_recall,
    for_task,
    format_table,
    function_recall,
    get_retriever,
    gold_targets,
    read_base_sources,
    render_context,
    split_by_repo,
)
from proctor.spec import Task, load_suite

TOP_K = 5


def _find(tasks: list[Task], task_id: str, suite: Path) -> Task:
    for task in tasks:
        if task.id == task_id:
            return task
    raise fail(f"{suite}: no task with id {task_id!r}")


def _localize(
    task: Task, retriever: str, budget: int, repos_dir: Path | None
) -> tuple[Context, list[Target]]:
    """The context for ``task`` at its base, and the targets of its gold patch.

    Raises:
        ProctorError: the retriever is unknown, or the repository, a commit or the
            reference cannot be had.
    """
    source = ensure_source(task.repo, settings_from(repos_dir).repos_dir)
    gold, _ = reference_patches(source, task)
    chosen = for_task(
        get_retriever(retriever), source, task.base_commit, lambda: touched_lines(gold)
    )
    with tempfile.TemporaryDirectory(prefix="proctor-retrieve-") as tmp:
        checkout = sealed_checkout(source, task.base_commit, Path(tmp) / "checkout")
        context = chosen.retrieve(task.problem_statement, checkout, budget)
        targets = gold_targets(gold, read_base_sources(gold, checkout))
    return context, targets


def _recall_json(recall: Recall) -> dict[str, object]:
    return {"found": list(recall.found), "missed": list(recall.missed), "value": recall.value}


def _summary(recalls: dict[str, Recall]) -> str:
    parts = [f"{label} {len(r.found)}/{r.total}" for label, r in recalls.items()]
    lines = ["-- localization of the gold patch: " + ", ".join(parts)]
    everything = recalls["functions in context"]
    lines += [f"   found   {name}" for name in everything.found]
    lines += [f"   missed  {name}" for name in everything.missed]
    return "\n".join(lines)


DEFAULT_RETRIEVER = "hybrid"
DEFAULT_EVAL = "bm25,hybrid"


def _evaluate(suite: Path, names: str, split: str, repos_dir: Path | None) -> None:
    """Print the localization table of the retrievers ``names`` on ``suite``'s ``split``."""
    if split not in EVAL_SPLITS:
        raise fail(f"unknown split {split!r} (available: {', '.join(EVAL_SPLITS)})")
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    try:
        retrievers = {name: get_retriever(name) for name in chosen}
        parts = split_by_repo(load_suite(suite))
        tasks = parts[split]
        repos = settings_from(repos_dir).repos_dir
        evaluation = evaluate(tasks, retrievers, repos)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    test_repos = sorted({t.repo for t in parts["test"]})
    typer.echo(f"split by repository; test part: {', '.join(test_repos) or '(none)'}")
    typer.echo(format_table(evaluation, f"{suite} ({split}): "))


def retrieve(
    task_id: str | None = typer.Option(None, "--task", metavar="ID", help="Id of the task."),
    suite: Path | None = SUITE_OPT,
    budget: int = typer.Option(
        8000, "--budget", min=1, metavar="N", help="Token budget of the context."
    ),
    retriever: str | None = typer.Option(
        None,
        "--retriever",
        metavar="NAME",
        help=f"One of: {', '.join(sorted(RETRIEVERS))} (default {DEFAULT_RETRIEVER}; "
        f"{ORACLE_HELP}).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
    repos_dir: Path | None = REPOS_OPT,
    eval_suite: Path | None = typer.Option(
        None,
        "--eval",
        metavar="SUITE",
        help="Instead of one task: the localization table of every task of SUITE "
        f"(retrievers from --retriever, comma-separated; default {DEFAULT_EVAL}; the oracle "
        "row is always added).",
    ),
    split: str = typer.Option(
        "all", "--split", metavar="PART", help="With --eval: tune, test or all (by repository)."
    ),
) -> None:
    """Print the context a model would see for a task, then how much of the fix it holds.

    Examples:

    \b
        proctor retrieve --task cachetools-91aa4c6
        proctor retrieve --suite tasks/core --task sqlparse-5ca50a2 --retriever bm25 --json
        proctor retrieve --eval tasks/main --split test
    """
    if eval_suite is not None:
        _evaluate(eval_suite, retriever or DEFAULT_EVAL, split, repos_dir)
        return
    retriever = retriever or DEFAULT_RETRIEVER
    if task_id is None:
        raise fail("give --task ID (one task) or --eval SUITE (a whole suite)")
    suite = suite or DEFAULT_SUITE
    try:
        task = _find(load_suite(suite), task_id, suite)
        context, targets = _localize(task, retriever, budget, repos_dir)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    recalls = {
        "files": file_recall(targets, context.chunks),
        "functions in context": function_recall(targets, context.chunks),
        f"functions in top {TOP_K} chunks": function_recall(targets, context.chunks, TOP_K),
    }
    text = render_context(context)
    if as_json:
        payload = {
            "task": task.id,
            "retriever": retriever,
            "budget": budget,
            "tokens": context.tokens,
            "text": text,
            "chunks": [
                {
                    k: getattr(c, k)
                    for k in ("path", "start_line", "end_line", "kind", "name", "score")
                }
                for c in context.chunks
            ],
            "recall": {label: _recall_json(r) for label, r in recalls.items()},
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(text, nl=False)
    typer.echo(
        f"\n-- {retriever}: {len(context.chunks)} chunks, ~{context.tokens} of {budget} tokens"
    )
    typer.echo(_summary(recalls))
