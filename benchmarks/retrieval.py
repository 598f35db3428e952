"""Benchmark: localization on a suite split by repository, each signal's gain, index time.

Part 1, the table (``proctor.retrieval.evaluate``, the same as ``proctor retrieve --eval``):
the frozen baseline (``bm25``: BM25 over function/class/module chunks, statement as query),
the hybrid, and the oracle (reference files whole) on the ``tune`` and ``test`` parts of the
suite, split by repository before any tuning (``proctor.retrieval.split_by_repo``): function
recall@1/5/10 over targets and as the mean over tasks, file recall@1/3, tasks fully localized
at 5 and 10, function recall inside a 2k and an 8k token context.

Part 2, the ablation: the hybrid with one signal changed at a time (off, or on when it is off
by default), function recall@1/5/10 of each, on both parts.

Part 2 reads each task's history up to its base commit (``proctor.retrieval.read_history``)
for the history signals (similar past fixes, co-change); part 4 times that read, cold.

Part 5 (``embed``, needs the ``embed`` extra): the hybrid with the local embedding model's
similarity fused in (``HybridSettings.embed_weight``) at a few weights, and the embedding
model alone; part 6 (``embed-time``) times the 50k-line ranking with it, cold (embedding
every chunk) and warm (vectors read from the cache), apart from the model's load.

Part 3, index time: Python files of the mirrors are copied into a temporary tree of at least
``--lines`` lines; a full hybrid ranking (parse every file, BM25 over chunks and files, repo
map, PageRank, scoring) is timed with an empty parse cache (CPU seconds, single-threaded).

Run from the repository root (offline: the mirrors are in repos/)::

    .venv/bin/python benchmarks/retrieval.py --suite tasks/main
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

import proctor.retrieval.embed as embed_module
import proctor.retrieval.history as history_module
from proctor.repo import ensure_source, reference_patches, sealed_checkout
from proctor.repo.mirror import git_dir_args
from proctor.retrieval import (
    ChunkBM25Retriever,
    History,
    HybridRetriever,
    HybridSettings,
    ParseCache,
    ParsedFile,
    Retriever,
    Target,
    evaluate,
    format_table,
    gold_targets,
    parse_repo,
    rank_chunks,
    read_base_sources,
    read_history,
    split_by_repo,
)
from proctor.retrieval.localization import TaskScore, score_ranking
from proctor.spec import Task, load_suite

TARGET_SECONDS = 2.0
STATEMENT = "`safe_url_string()` drops the brackets of an IPv6 host in `w3lib.url`"
PRIORS_OFF: dict[str, object] = {
    "test_weight": 1.0,
    "aside_weight": 1.0,
    "stub_weight": 1.0,
    "class_weight": 1.0,
    "module_weight": 1.0,
}
ABLATION: dict[str, dict[str, object]] = {
    "hybrid (all kept signals)": {},
    "+ dotted-path tokens": {"dotted": True},
    "+ defined-name query weighting (2x)": {"defined_boost": 2.0},
    "- file-level BM25 share": {"file_weight": 0.0},
    "- statement-mention bonus": {"mention_bonus": 0.0},
    "- repo-map PageRank": {"map_weight": 0.0},
    "- priors (tests, examples, stubs, class/module units)": PRIORS_OFF,
    "- class/module unit priors only": {"class_weight": 1.0, "module_weight": 1.0},
    "- reranker over top 50": {"rerank_weight": 0.0},
    "+ structure (callers/callees/class links of top 10)": {"structure": 0.3},
    "+ similar past fixes (history, 0.15)": {"fix_weight": 0.15},
    "+ similar past fixes (history, 0.3)": {"fix_weight": 0.3},
    "+ co-change with the top 5 (history, 0.1)": {"cochange_weight": 0.1},
    "+ co-change with the top 5 (history, 0.3)": {"cochange_weight": 0.3},
    "+ both history signals (0.15, 0.1)": {"fix_weight": 0.15, "cochange_weight": 0.1},
}
"""Name to the settings changed from the defaults."""


@dataclass(frozen=True)
class Prepared:
    """One task's parsed base checkout and reference targets."""

    task: Task
    files: tuple[ParsedFile, ...]
    targets: list[Target]
    history: History
    """Commits up to the base commit (never later)."""


def prepare(tasks: Sequence[Task], repos_dir: Path, scratch: Path) -> list[Prepared]:
    """Parse every task's base checkout once and map its reference fix to targets."""
    out = []
    for task in tasks:
        source = ensure_source(task.repo, repos_dir)
        gold, _ = reference_patches(source, task)
        checkout = sealed_checkout(source, task.base_commit, scratch / task.id)
        targets = gold_targets(gold, read_base_sources(gold, checkout))
        history = read_history(source, task.base_commit)
        out.append(Prepared(task, parse_repo(checkout, ParseCache()), targets, history))
    return out


def ablation_row(data: Sequence[Prepared], settings: HybridSettings) -> str:
    """Function recall@1/5/10 (over targets) and mean@5 (over tasks) of one variant."""
    return recall_cells(
        score_ranking(
            item.task.id,
            item.targets,
            rank_chunks(item.files, item.task.problem_statement, settings, item.history).chunks,
            {},
        )
        for item in data
    )


def recall_cells(scores: Iterable[TaskScore]) -> str:
    """``func@1 | func@5 | func@10 | mean@5`` of ``scores`` as table cells."""
    found = {1: 0, 5: 0, 10: 0}
    total, means = 0, []
    for score in scores:
        total += score.functions
        for k in found:
            found[k] += score.function_found[k]
        if score.functions:
            means.append(score.function_found[5] / score.functions)
    cells = [f"{100 * v / max(total, 1):.1f}%" for v in found.values()]
    return " | ".join([*cells, f"{100 * statistics.fmean(means):.1f}%"])


def ablation(data_by_split: dict[str, list[Prepared]]) -> None:
    """Print the ablation table: one row per variant, func@1/5/10 and mean@5 per split."""
    splits = list(data_by_split)
    head = " | ".join(f"{s} func@1 | {s} func@5 | {s} func@10 | {s} mean@5" for s in splits)
    print(f"| variant | {head} |")
    print("|---|" + "---|" * 4 * len(splits))
    for name, change in ABLATION.items():
        settings = replace(HybridSettings(), **change)
        cells = " | ".join(ablation_row(data_by_split[s], settings) for s in splits)
        print(f"| {name} | {cells} |", flush=True)


EMBED_WEIGHTS = (0.05, 0.1, 0.25, 0.5)
"""Weights of the embedding signal the ``embed`` part measures."""


def embed_ablation(data_by_split: dict[str, list[Prepared]], cache_dir: Path) -> None:
    """Print the hybrid with the embedding signal at :data:`EMBED_WEIGHTS`, and the model
    alone (chunks by similarity only), as ablation rows."""
    if not embed_module.available():
        print("embed: skipped, the embed extra is not installed (pip install 'proctor[embed]')")
        return
    cache = embed_module.EmbeddingCache(cache_dir)
    embed_module.load_embedder()
    similarity: dict[str, npt.NDArray[np.float64]] = {}
    for label in ("cold", "warm"):
        wall, cpu = time.perf_counter(), time.process_time()
        for item in (i for items in data_by_split.values() for i in items):
            chunks = [c for f in item.files for c in f.chunks]
            similarity[item.task.id] = embed_module.similarities(
                chunks, item.task.problem_statement, cache
            )
        print(
            f"similarities of every chunk of {len(similarity)} checkouts, {label}: "
            f"wall {time.perf_counter() - wall:.1f} s, CPU {time.process_time() - cpu:.1f} s"
        )
    print(f"cache: {cache.stats}")
    splits = list(data_by_split)

    def row(settings: HybridSettings, item: Prepared) -> TaskScore:
        ranking = rank_chunks(
            item.files, item.task.problem_statement, settings, None, similarity[item.task.id]
        )
        return score_ranking(item.task.id, item.targets, ranking.chunks, {})

    def alone(item: Prepared) -> TaskScore:
        chunks = [c for f in item.files for c in f.chunks]
        order = sorted(range(len(chunks)), key=lambda i: -similarity[item.task.id][i])
        return score_ranking(item.task.id, item.targets, [chunks[i] for i in order], {})

    head = " | ".join(f"{s} func@1 | {s} func@5 | {s} func@10 | {s} mean@5" for s in splits)
    print(f"| variant | {head} |")
    print("|---|" + "---|" * 4 * len(splits))
    for weight in (0.0, *EMBED_WEIGHTS):
        settings = replace(HybridSettings(), embed_weight=weight)
        cells = " | ".join(
            recall_cells(row(settings, item) for item in data_by_split[s]) for s in splits
        )
        print(f"| + embedding, by rank, {weight} |", cells, "|", flush=True)
    cells = " | ".join(recall_cells(alone(item) for item in data_by_split[s]) for s in splits)
    print(f"| embedding model alone | {cells} |", flush=True)


def time_embed(root: Path, cache_dir: Path) -> None:
    """Print the model's load, then a ranking of ``root`` with embeddings, cold and warm."""
    if not embed_module.available():
        print("embed-time: skipped, the embed extra is not installed")
        return
    embed_module.load_embedder.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    embed_module.load_embedder()
    print(
        f"embedding model load (sha256 checks included): wall {time.perf_counter() - wall:.2f} s,"
        f" CPU {time.process_time() - cpu:.2f} s"
    )
    cache = embed_module.EmbeddingCache(cache_dir)
    settings = replace(HybridSettings(), embed_weight=EMBED_WEIGHTS[0])
    for label in ("cold (every chunk embedded)", "warm (vectors from the cache)"):
        retriever = HybridRetriever(settings, ParseCache(), embeddings=cache)
        wall, cpu = time.perf_counter(), time.process_time()
        retriever.rank(STATEMENT, root)
        took = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  index + rank with embeddings, {label}: wall {took[0]:.2f} s, CPU {took[1]:.2f} s")
    print(f"  cache: {cache.stats}")


def synthetic_tree(repos_dir: Path, dest: Path, lines: int) -> int:
    """Copy the mirrors' Python files (HEAD) into ``dest`` until it holds ``lines`` lines."""
    sources: list[tuple[str, bytes]] = []
    for mirror in sorted(repos_dir.glob("*/*.git")):
        args = ["git", *git_dir_args(mirror)]
        listing = subprocess.run(
            [*args, "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True
        )
        if listing.returncode != 0:  # a mirror without HEAD (e.g. made for synthesized tasks)
            continue
        names = listing.stdout.decode().split("\n")
        for name in (n for n in names if n.endswith(".py")):
            blob = subprocess.run([*args, "show", f"HEAD:{name}"], capture_output=True).stdout
            sources.append((f"{mirror.stem}/{name}", blob))
    if not sources:
        raise SystemExit(f"{repos_dir}: no mirrors to build a tree from")
    total = 0
    for index in range(lines):  # stops long before: every copy adds at least one line
        name, blob = sources[index % len(sources)]
        if total >= lines:
            break
        path = dest / f"copy{index // len(sources)}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        total += blob.count(b"\n")
    return total


def time_index(root: Path, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of a full hybrid ranking of ``root`` from an empty parse cache."""
    times = []
    for _ in range(repeat):
        retriever = HybridRetriever(cache=ParseCache())
        wall, cpu = time.perf_counter(), time.process_time()
        retriever.rank(STATEMENT, root)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def time_history(tasks: Sequence[Task], repos_dir: Path) -> None:
    """Print the cold read of each repository's history up to its newest task's base."""
    newest: dict[str, Task] = {}
    for task in tasks:
        if task.repo not in newest or task.created_at > newest[task.repo].created_at:
            newest[task.repo] = task
    total = 0.0
    for repo, task in sorted(newest.items()):
        source = ensure_source(repo, repos_dir)
        history_module._read.cache_clear()  # cold: not the copy the ablation read
        wall = time.perf_counter()
        history = read_history(source, task.base_commit)
        took = time.perf_counter() - wall
        total += took
        print(f"  {repo}: {len(history.commits)} commits in {took:.2f} s")
    print(f"history read, cold, {len(newest)} repositories: {total:.1f} s wall in all")


def main() -> None:
    """Parse options, run the parts asked for, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/main"))
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("--splits", nargs="+", default=["tune", "test"])
    parser.add_argument("--parts", nargs="+", default=["table", "ablation", "time", "history-time"])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    parts = split_by_repo(load_suite(args.suite))
    print("test part (by repository):", ", ".join(sorted({t.repo for t in parts["test"]})))
    print("tune part (by repository):", ", ".join(sorted({t.repo for t in parts["tune"]})))
    with tempfile.TemporaryDirectory(prefix="proctor-bench-retrieval-") as tmp:
        if "table" in args.parts:
            for split in args.splits:
                retrievers: dict[str, Retriever] = {
                    "bm25": ChunkBM25Retriever(),
                    "hybrid": HybridRetriever(),
                }
                result = evaluate(parts[split], retrievers, args.repos_dir)
                print(format_table(result, f"{split}: "), flush=True)
        if "ablation" in args.parts:
            data = {
                s: prepare(parts[s], args.repos_dir, Path(tmp) / f"ablation-{s}")
                for s in args.splits
            }
            ablation(data)
        if "embed" in args.parts:
            data = {
                s: prepare(parts[s], args.repos_dir, Path(tmp) / f"embed-{s}") for s in args.splits
            }
            embed_ablation(data, Path(tmp) / "vectors")
        if "history-time" in args.parts:
            time_history(parts["all"], args.repos_dir)
        if "time" in args.parts:
            tree = Path(tmp) / "big"
            lines = synthetic_tree(args.repos_dir, tree, args.lines)
            files = len(parse_repo(tree))
            times = time_index(tree, args.repeat)
            wall = statistics.median(t[0] for t in times)
            cpu = statistics.median(t[1] for t in times)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"index + rank of {lines} lines in {files} files, median of {len(times)}:")
            print(
                f"  wall {wall:.2f} s ({wall / TARGET_SECONDS:.2f}x the {TARGET_SECONDS} s target)"
            )
            print(f"  CPU  {cpu:.2f} s ({cpu / TARGET_SECONDS:.2f}x); load average: {load}")
        if "embed-time" in args.parts:
            tree = Path(tmp) / "big"
            if not tree.is_dir():
                lines = synthetic_tree(args.repos_dir, tree, args.lines)
                print(f"{lines} lines in {len(parse_repo(tree))} files")
            time_embed(tree, Path(tmp) / "vectors-time")


if __name__ == "__main__":
    main()
