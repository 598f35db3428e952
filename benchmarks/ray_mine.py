"""Benchmark: ``proctor mine`` verifying candidates here (-j 2) against ``--ray`` (-j 2) on a
loopback cluster (a head with no CPU, two one-CPU worker nodes), on one repository.

An untimed warm-up mine builds the environments first, so both timed runs find them warm; each
run mines into a fresh folder (no resume). Prints each run's wall time and the one-minute load
average around it, whether the two reports (each commit's fate, timing left out) are equal,
and whether the task specs are byte-identical. On a 2-core machine this shows Ray's overhead,
not scaling.

Run from the repository root, on a mirror::

    PYTHONPATH=src:. .venv/bin/python benchmarks/ray_mine.py \\
        /work/main/repos/tkem/cachetools.git --max 12
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.run.cluster.conftest import start_cluster, stop_cluster


def _report(out: Path) -> dict[str, dict[str, object]]:
    rows = [json.loads(x) for x in (out / "mine-report.jsonl").read_text().splitlines()]
    return {r["sha"]: {k: v for k, v in r.items() if k != "seconds"} for r in rows}


def _specs(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(out.glob("*.yaml"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", help="Repository path (a mirror) to mine.")
    parser.add_argument("--max", default="12", help="Candidates verified (newest first).")
    parser.add_argument("-j", "--jobs", default="2", help="Candidates in flight.")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="proctor-ray-mine-"))
    cluster = start_cluster()
    try:
        env = {**cluster.env(), "PROCTOR_CACHE_DIR": str(root / "cache"), "COLUMNS": "160"}

        def mine(out: str, *extra: str) -> float:
            argv = ["mine", args.repo, "--out", str(root / out), "--max", args.max]
            load, start = os.getloadavg()[0], time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "proctor", *argv, "-j", args.jobs, *extra],
                env=env,
                capture_output=True,
                text=True,
            )
            wall = time.monotonic() - start
            if done.returncode != 0:
                raise SystemExit(f"{out}: exit {done.returncode}: {done.stderr[-800:]}")
            print(f"{out:6} {wall:6.1f} s  load1 {load:.1f} -> {os.getloadavg()[0]:.1f}")
            return wall

        mine("warm")
        local = mine("local")
        ray = mine("ray", "--ray", "auto")
        a, b = _report(root / "local"), _report(root / "ray")
        verified = sum(1 for r in b.values() if r["stage"] == "verify")
        kept = sorted(str(r["task_id"]) for r in b.values() if r["status"] == "kept")
        print(f"candidates reaching verification: {verified}; kept: {len(kept)} {kept}")
        same = _specs(root / "local") == _specs(root / "ray")
        print(f"reports equal: {a == b}; specs identical: {same}")
        print(f"ray/local wall: {ray / local:.2f}")
    finally:
        stop_cluster(cluster)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
