"""Benchmark: localization recall of the hybrid retriever against whole-file BM25, and the
time to index a ~50,000-line repository.

For every task of the suite, the checkout at base is sealed in a temporary folder and the
reference fix (gold patch, tests excluded) is mapped to its *targets*: the chunks of the base
checkout it changes (functions, methods, classes' own lines, top-level statement windows;
see ``proctor.retrieval.recall``). Only Python files existing at base count. Figures:

* file recall@k: touched files among the first k distinct files of each ranking (hybrid:
  files in order of their best chunk; baseline: files in BM25 order);
* function recall@k: function-level targets among the first k units of each ranking. The
  hybrid ranks chunks itself. The baseline ranks files only, so its units are read the way
  a model reads its context: the chunks of its best file in line order, then those of the
  second file, and so on (the same chunk inventory as the hybrid's). A target counts only
  when its own chunk is among the first k units, for both;
* function recall in context: targets whose whole chunk is in the context each retriever
  returns for the same token budget (the baseline shows whole files, which hold every
  target in them).

Both use the same code-aware tokenizer, so the comparison measures chunking and ranking.
Totals are micro averages (targets found / targets) and macro averages (mean over tasks).

Index time: Python files of the mirrors are copied (several times, into separate folders)
into a temporary tree of at least ``--lines`` lines; a full hybrid ranking (parse every file,
BM25 index over chunks, repo map, PageRank, fusion) is timed with an empty parse cache.

Run from the repository root (offline: the mirrors are in repos/)::

    .venv/bin/python benchmarks/retrieval.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from proctor.repo import ensure_source, reference_patches, sealed_checkout
from proctor.repo.mirror import git_dir_args
from proctor.retrieval import (
    Chunk,
    FileBM25Retriever,
    HybridRetriever,
    ParseCache,
    Recall,
    file_recall,
    function_recall,
    gold_targets,
    parse_repo,
    read_base_sources,
)
from proctor.spec import Task, load_suite

TARGET_POINTS = 15.0
TARGET_SECONDS = 2.0
STATEMENT = "`safe_url_string()` drops the brackets of an IPv6 host in `w3lib.url`"


Pair = tuple[Recall, Recall]
"""(hybrid, baseline)."""


@dataclass
class Row:
    """One task's recalls."""

    task: str
    units: int
    file_k: Pair
    func_k: Pair
    in_context: dict[int, Pair]
    """Budget to function recall within the context of that budget."""


def reading_order(files: Sequence[Chunk], checkout: Path) -> list[Chunk]:
    """The chunks of ranked whole files, file by file, each file's chunks in line order."""
    parsed = {f.path: f for f in parse_repo(checkout)}
    return [c for f in files for c in parsed[f.path].chunks]


def measure(task: Task, repos_dir: Path, k: int, budgets: Sequence[int], scratch: Path) -> Row:
    """Recall of both retrievers on one task."""
    source = ensure_source(task.repo, repos_dir)
    gold, _ = reference_patches(source, task)
    checkout = sealed_checkout(source, task.base_commit, scratch / task.id)
    targets = gold_targets(gold, read_base_sources(gold, checkout))
    statement = task.problem_statement
    hybrid, baseline = HybridRetriever(), FileBM25Retriever()
    ranked = hybrid.rank(statement, checkout).chunks
    files = baseline.rank(statement, checkout)
    units = reading_order(files, checkout)
    in_context = {
        budget: (
            function_recall(targets, hybrid.retrieve(statement, checkout, budget).chunks),
            function_recall(targets, baseline.retrieve(statement, checkout, budget).chunks),
        )
        for budget in budgets
    }
    return Row(
        task.id,
        sum(t.kind != "file" for t in targets),
        (file_recall(targets, ranked, k), file_recall(targets, files, k)),
        (function_recall(targets, ranked, k), function_recall(targets, units, k)),
        in_context,
    )


def _cell(pair: Pair) -> str:
    return "  ".join(f"{len(r.found)}/{r.total}" if r.total else "-" for r in pair)


def _found(recalls: Sequence[Recall]) -> tuple[int, int]:
    return sum(len(r.found) for r in recalls), sum(r.total for r in recalls)


def _totals(recalls: Sequence[Recall]) -> str:
    found, total = _found(recalls)
    values = [r.value for r in recalls if r.value is not None]
    macro = 100 * statistics.fmean(values) if values else 0.0
    return f"{100 * found / max(total, 1):5.1f}% ({found}/{total}), macro {macro:5.1f}%"


def report(rows: Sequence[Row], k: int, budgets: Sequence[int]) -> None:
    """Print the per-task table (hybrid then baseline in each cell) and the totals."""
    ctx = "  ".join(f"in {b} tok" for b in budgets)
    print(f"{'task':20} {'units':>5}  file@{k}    func@{k}    {ctx}")
    for r in rows:
        cells = [_cell(r.file_k), _cell(r.func_k), *(_cell(r.in_context[b]) for b in budgets)]
        print(f"{r.task:20} {r.units:>5}  " + "  ".join(f"{c:9}" for c in cells))
    print()
    picks: list[tuple[str, Callable[[Row], Pair]]] = [
        (f"file recall@{k}", lambda r: r.file_k),
        (f"function recall@{k}", lambda r: r.func_k),
    ]
    for budget in budgets:
        picks.append((f"function recall in a {budget}-token context", _in(budget)))
    for label, pick in picks:
        print(f"{label}:")
        print(f"  hybrid      {_totals([pick(r)[0] for r in rows])}")
        print(f"  bm25-files  {_totals([pick(r)[1] for r in rows])}")
    (hit_h, total), (hit_b, _) = (
        _found([r.func_k[0] for r in rows]),
        _found([r.func_k[1] for r in rows]),
    )
    gain = 100 * (hit_h - hit_b) / max(total, 1)
    print(f"function recall@{k}: hybrid - baseline = {gain:+.1f} points (target +{TARGET_POINTS})")


def _in(budget: int) -> Callable[[Row], Pair]:
    return lambda r: r.in_context[budget]


def synthetic_tree(repos_dir: Path, dest: Path, lines: int) -> int:
    """Copy the mirrors' Python files (HEAD) into ``dest`` until it holds ``lines`` lines."""
    sources: list[tuple[str, bytes]] = []
    for mirror in sorted(repos_dir.glob("*/*.git")):
        args = ["git", *git_dir_args(mirror)]
        names = (
            subprocess.run(
                [*args, "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, check=True
            )
            .stdout.decode()
            .split("\n")
        )
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


def main() -> None:
    """Parse options, run both parts, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--budgets", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="proctor-bench-retrieval-") as tmp:
        rows = [
            measure(task, args.repos_dir, args.k, args.budgets, Path(tmp))
            for task in load_suite(args.suite)
        ]
        report(rows, args.k, args.budgets)
        tree = Path(tmp) / "big"
        lines = synthetic_tree(args.repos_dir, tree, args.lines)
        files = len(parse_repo(tree))
        times = time_index(tree, args.repeat)
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"index + rank of {lines} lines in {files} files, median of {len(times)}:")
    print(f"  wall {wall:.2f} s ({wall / TARGET_SECONDS:.2f}x the {TARGET_SECONDS} s target)")
    print(f"  CPU  {cpu:.2f} s ({cpu / TARGET_SECONDS:.2f}x; single-threaded, so the wall time")
    print(f"       of an idle machine); load average during the run: {load}")


if __name__ == "__main__":
    main()
