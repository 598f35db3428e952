"""Per-attempt overhead of the docker sandbox vs bubblewrap, over raw pytest, in one run.

For every task of the suite, with warm environments (a venv for bubblewrap, an environment
image for docker): the wall time of one ``gold`` attempt through proctor under bubblewrap and
under docker, and of the same pytest selection run directly in the host venv on a prepared tree
(no sandbox, no proctor). Overhead = attempt - raw pytest; the target is docker within 1.0 s per
task of bubblewrap.

Run from the repository root with the suite's mirrors and a Docker engine with the base image:

    PROCTOR_REPOS_DIR=/work/main/repos .venv/bin/python benchmarks/docker_overhead.py \\
        [--suite tasks/core] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.harness_overhead import direct_run, proctor_run

from proctor.model import GoldModel
from proctor.run import AttemptContext, AttemptOptions, References
from proctor.sandbox import env_provider, provider_for
from proctor.settings import get_settings
from proctor.spec import load_suite

TARGET_S = 1.0
BACKENDS = ("bwrap", "docker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = get_settings()
    tasks = load_suite(args.suite)
    refs = References(tasks, base.repos_dir)
    contexts = {}
    for backend in BACKENDS:
        settings = base.model_copy(update={"sandbox": backend})
        contexts[backend] = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    rows = []
    with tempfile.TemporaryDirectory(prefix="proctor-docker-overhead-") as name:
        tmp = Path(name)
        for task in tasks:
            times = {}
            for backend, ctx in contexts.items():
                provider = env_provider(provider_for(backend), base.envs_dir)
                provider.build(task.environment, task.repo, as_of=task.resolve_date)  # warm
                proctor_run(task, ctx, tmp / backend, -1)  # warm file caches once
                runs = [proctor_run(task, ctx, tmp / backend, i) for i in range(args.repeat)]
                times[backend] = statistics.median(runs)
            raw = statistics.median(
                direct_run(task, refs, tmp / f"direct-{i}", base.envs_dir)
                for i in range(args.repeat)
            )
            row = (task.id, raw, times["bwrap"], times["docker"])
            rows.append(row)
            print(
                f"{task.id:22} raw {raw:5.2f}s  bwrap {row[2]:5.2f}s (+{row[2] - raw:.2f})  "
                f"docker {row[3]:5.2f}s (+{row[3] - raw:.2f})  "
                f"docker-bwrap {row[3] - row[2]:+.2f}s",
                flush=True,
            )
    bwrap = statistics.mean(r[2] - r[1] for r in rows)
    docker = statistics.mean(r[3] - r[1] for r in rows)
    gap = statistics.mean(r[3] - r[2] for r in rows)
    worst = max(r[3] - r[2] for r in rows)
    print(
        f"\n{len(rows)} tasks, median of {args.repeat} runs each: mean overhead over raw pytest "
        f"bwrap {bwrap:.2f}s, docker {docker:.2f}s; docker - bwrap mean {gap:+.2f}s, worst "
        f"{worst:+.2f}s"
    )
    print(f"ratio of docker - bwrap to the {TARGET_S:.1f}s target: {gap / TARGET_S:.2f}")
    if gap > TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
