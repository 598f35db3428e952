"""Benchmark: attempts on a loopback Ray cluster against the local pool, and a scaling model.

One run, in this order, on a suite with the ``gold`` model (no model time: what is measured
is proctor's own cost), every environment warm (built by an untimed warm-up run):

1. local pool, one attempt at a time; then a cluster of a head (no CPU) and ONE one-CPU
   worker node, joined in this process: the per-attempt overhead of each (wall time of the
   run minus the time attempts spent inside ``run_attempt``, per attempt) and their ratio;
2. a second one-CPU worker node joins: 1 vs 2 nodes (and the local pool with -j 2). On a
   2-core machine that also runs the head, the driver and the GCS, this shows overhead and
   contention, not scaling: the in-attempt time of the same work grows when two run at once;
3. a model of a 500-task suite's wall time against worker count, from measured per-task costs
   (test time, Ray's per-attempt overhead, a cold environment build, a base bundle's size and
   build time) and stated assumptions for what this machine cannot measure (model time per
   task, endpoint cap, network bandwidth), naming the bottleneck at each size.

Run from the repository root, with the suite's mirrors (tasks/core: 13 tasks)::

    PYTHONPATH=src:. PROCTOR_REPOS_DIR=/work/main/repos \\
        PYTHONPATH=. .venv/bin/python benchmarks/ray_cluster.py --suite tasks/core
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.run.cluster.conftest import add_worker, ray_env, start_cluster, stop_cluster

from proctor.model import GoldModel
from proctor.repo import base_bundle
from proctor.run import (
    AttemptContext,
    AttemptOptions,
    AttemptResult,
    Executor,
    LocalPool,
    References,
    open_ray,
    run_attempt,
    run_suite,
)
from proctor.sandbox import build_env
from proctor.settings import get_settings
from proctor.spec import Task, load_suite


@dataclass
class Timed:
    label: str
    wall_s: float
    inside_s: float
    """Sum of the attempts' own ``total`` durations."""
    results: list[AttemptResult]

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def verdicts(self) -> dict[str, str]:
        return {r.task_id: r.outcome.value for r in self.results}

    @property
    def per_attempt_s(self) -> float:
        return self.wall_s / self.n

    @property
    def overhead_s(self) -> float:
        """Per attempt: what the run took beyond the attempts themselves (one at a time)."""
        return (self.wall_s - self.inside_s) / self.n


def timed(label: str, tasks: list[Task], ctx: AttemptContext, executor: Executor) -> Timed:
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        start = time.monotonic()
        results: list[AttemptResult] = run_suite(tasks, ctx, Path(tmp) / "run", executor=executor)
        wall = time.monotonic() - start
    inside = sum(r.durations.get("total", 0.0) for r in results)
    print(f"  {label}: {wall:.1f} s wall, {inside:.1f} s inside attempts", flush=True)
    return Timed(label, wall, inside, results)


def measure_costs(
    tasks: list[Task], refs: References, results: list[AttemptResult]
) -> dict[str, float]:
    """Per-task costs: test time (mean), a cold environment build, bundle size and build time."""
    costs: dict[str, float] = {}
    costs["tests_s"] = statistics.mean(
        sum(v for k, v in r.durations.items() if k != "total" and k != "environment")
        for r in results
    )
    with tempfile.TemporaryDirectory(prefix="bench-ray-env-") as tmp:
        task = tasks[0]
        start = time.monotonic()
        build_env(task.environment, task.repo, Path(tmp), as_of=task.resolve_date)
        costs["env_build_s"] = time.monotonic() - start
        sizes, times = [], []
        for task in tasks:
            source = refs.source(task.id)
            start = time.monotonic()
            path = base_bundle(source.git_dir, task.base_commit, Path(tmp) / f"{task.id}.bundle")
            times.append(time.monotonic() - start)
            sizes.append(path.stat().st_size)
    costs["bundle_mb"] = statistics.mean(sizes) / 1e6
    costs["bundle_s"] = statistics.mean(times)
    costs["envs_per_task"] = len({t.environment.key(t.repo) for t in tasks}) / len(tasks)
    return costs


def scaling_model(costs: dict[str, float], overhead_s: float, args: argparse.Namespace) -> None:
    """Wall time of an N-task suite against workers, and what bounds it."""
    n, m, cap = args.model_tasks, args.model_s, args.endpoint_cap
    envs = max(1, round(costs["envs_per_task"] * n))
    print(
        f"\nscaling model: {n} tasks, {envs} distinct environments, model time {m:.0f} s/task "
        f"(endpoint cap {cap} calls in flight, {args.calls} calls/task), "
        f"bundle {costs['bundle_mb']:.2f} MB over {args.net_mb_s:.0f} MB/s"
    )
    head = "| workers | wall | per-node work | env builds/node | endpoint floor | driver floor |"
    print(head + " bottleneck |")
    print("|---|---|---|---|---|---|---|")
    per_task = costs["tests_s"] + overhead_s + m
    call_s = m / args.calls if args.calls else 0.0
    endpoint = n * args.calls * call_s / cap if m else 0.0  # at most `cap` calls at once
    # The driver makes every bundle once, ships each base to the node that needs it.
    driver = n * (costs["bundle_s"] + costs["bundle_mb"] / args.net_mb_s)
    for w in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        per_node = math.ceil(n / w)
        builds = min(envs, per_node)  # each node builds each environment it meets once
        work = per_node * per_task + builds * costs["env_build_s"]
        wall = max(work, endpoint, driver)
        parts = {
            "worker CPUs (tests+model)": work,
            "endpoint rate limit": endpoint,
            "driver (bundles)": driver,
        }
        if builds * costs["env_build_s"] > per_node * per_task:
            parts["environment builds"] = work
            del parts["worker CPUs (tests+model)"]
        neck = max(parts, key=lambda k: parts[k])
        print(
            f"| {w} | {wall / 60:.1f} min | {per_node * per_task / 60:.1f} min | "
            f"{builds} ({builds * costs['env_build_s'] / 60:.1f} min) | {endpoint / 60:.1f} min | "
            f"{driver / 60:.1f} min | {neck} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--model-tasks", type=int, default=500)
    parser.add_argument("--model-s", type=float, default=60.0, help="assumed model time per task")
    parser.add_argument("--calls", type=int, default=10, help="assumed model calls per task")
    parser.add_argument("--endpoint-cap", type=int, default=8)
    parser.add_argument("--net-mb-s", type=float, default=100.0, help="assumed driver uplink")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in ray_env().items() if k.startswith("RAY_")})

    tasks = load_suite(args.suite)
    settings = get_settings()
    refs = References(tasks, settings.repos_dir)
    ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
        f"{len(tasks)} tasks of {args.suite}, gold"
    )
    print("warm-up (local, untimed, builds every environment)", flush=True)
    timed("warm-up", tasks, ctx, LocalPool(2, run_attempt))
    local1 = timed("local pool -j 1", tasks, ctx, LocalPool(1, run_attempt))

    cluster = start_cluster(workers=1)
    try:
        with open_ray(cluster.address) as executor:
            timed("ray warm-up (node repos)", tasks, ctx, executor)
            ray1 = timed("ray, 1 worker node", tasks, ctx, executor)
            if not add_worker(cluster):
                raise SystemExit("the second worker node did not join")
            executor.per_node = Counter()
            ray2 = timed("ray, 2 worker nodes", tasks, ctx, executor)
            nodes = dict(executor.per_node)
        local2 = timed("local pool -j 2", tasks, ctx, LocalPool(2, run_attempt))
    finally:
        stop_cluster(cluster)

    same = local1.verdicts == ray1.verdicts == ray2.verdicts == local2.verdicts
    print(f"\nverdicts equal across the four runs: {same}; 2-node split {sorted(nodes.values())}")
    print("\n| run | wall | per attempt | overhead per attempt | in-attempt total |")
    print("|---|---|---|---|---|")
    for t in (local1, ray1, ray2, local2):
        print(
            f"| {t.label} | {t.wall_s:.1f} s | {t.per_attempt_s:.2f} s | "
            f"{t.overhead_s:+.3f} s | {t.inside_s:.1f} s |"
        )
    print(
        f"\nper-attempt wall, Ray (1 node) / local pool (-j 1): "
        f"{ray1.per_attempt_s / local1.per_attempt_s:.2f}x; "
        f"Ray's overhead {ray1.overhead_s:.3f} s vs local {local1.overhead_s:.3f} s per attempt"
    )
    print(
        f"1 -> 2 nodes: throughput x{ray1.wall_s / ray2.wall_s:.2f}; in-attempt time "
        f"x{ray2.inside_s / ray1.inside_s:.2f} (contention for the 2 cores); local -j1 -> -j2: "
        f"x{local1.wall_s / local2.wall_s:.2f}"
    )
    costs = measure_costs(tasks, refs, local1.results)
    print("\nmeasured per-task costs: " + ", ".join(f"{k} {v:.3f}" for k, v in costs.items()))
    scaling_model(costs, ray1.overhead_s, args)
    args.model_s = 0.0  # proctor's own costs alone (the gold model): where they stop scaling
    scaling_model(costs, ray1.overhead_s, args)


if __name__ == "__main__":
    main()
