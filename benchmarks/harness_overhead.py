"""Per-task harness overhead of proctor with a warm environment.

overhead = wall time of one ``gold`` attempt through proctor (sealed checkouts, patch apply,
protection, sandbox, JUnit parsing, result) minus the wall time of the same pytest selection run
directly in the same venv on an already-prepared tree (no sandbox, no proctor).

Run from the repository root with the suite's mirrors in repos/:

    .venv/bin/python benchmarks/harness_overhead.py [--suite tasks/core] [--repeat 3]

Prints per-task medians, the mean overhead, and its ratio to the 1.0 s target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proctor.model import GoldModel
from proctor.repo import apply_patch, sealed_checkout
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    Outcome,
    References,
    run_attempt,
)
from proctor.sandbox import build_env
from proctor.settings import get_settings
from proctor.spec import Task, load_suite

TARGET_S = 1.0


def direct_run(task: Task, refs: References, tmp: Path, settings_envs: Path) -> float:
    """Time pytest on the same selection, in the same venv, without proctor."""
    src = refs.source(task.id)
    tmp.mkdir(exist_ok=True)
    tree = sealed_checkout(src.git_dir, task.base_commit, tmp / task.id)
    apply_patch(tree, src.gold_patch)
    apply_patch(tree, src.test_patch)
    env = build_env(task.environment, task.repo, settings_envs)
    junit = tmp / f"{task.id}.xml"
    argv = [
        str(env.python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-q",
        *task.test_ids,
    ]
    run_env = env.env_vars(tree, task.environment.pythonpath)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, env=run_env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{task.id}: direct pytest failed:\n{proc.stdout[-2000:]}")
    return elapsed


def proctor_run(task: Task, ctx: AttemptContext, tmp: Path, i: int) -> float:
    start = time.perf_counter()
    result = run_attempt(AttemptInput.first(task), ctx, tmp / f"attempt-{task.id}-{i}")
    elapsed = time.perf_counter() - start
    if result.outcome is not Outcome.RESOLVED:
        sys.exit(f"{task.id}: gold did not resolve: {result.message} {result.notes}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = get_settings()
    tasks = load_suite(args.suite)
    refs = References(tasks, settings.repos_dir)
    ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    rows = []
    with tempfile.TemporaryDirectory(prefix="proctor-overhead-") as name:
        tmp = Path(name)
        for task in tasks:
            build_env(task.environment, task.repo, settings.envs_dir)  # warm it
            proctor_run(task, ctx, tmp, -1)  # warm file caches once
            ours = statistics.median(proctor_run(task, ctx, tmp, i) for i in range(args.repeat))
            direct = statistics.median(
                direct_run(task, refs, tmp / f"direct-{i}", settings.envs_dir)
                for i in range(args.repeat)
            )
            rows.append((task.id, ours, direct, ours - direct))
            print(
                f"{task.id:22} proctor {ours:6.2f}s  direct {direct:6.2f}s  "
                f"overhead {ours - direct:+6.2f}s"
            )
    mean = statistics.mean(r[3] for r in rows)
    worst = max(r[3] for r in rows)
    print(
        f"\nmean overhead {mean:.2f}s per task, worst {worst:.2f}s "
        f"({len(rows)} tasks, median of {args.repeat} runs each)"
    )
    print(f"ratio to the {TARGET_S:.1f}s target: {mean / TARGET_S:.2f} (<= 1.00 meets it)")


if __name__ == "__main__":
    main()
