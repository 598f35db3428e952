"""Lint + conventions + hygiene time per task, as a ratio to the hidden-test run of that task.

Runs one ``gold`` attempt per task of a suite (warm environments, mirrors in repos/) and reads
the attempt's own durations: ``quality`` (lint delta, formatter, conventions learned from the
repository, hygiene, security) and ``tests`` (the sandboxed hidden-test run).

    .venv/bin/python benchmarks/quality_ratio.py [--suite tasks/core]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from proctor.model import GoldModel
from proctor.run import AttemptContext, AttemptInput, AttemptOptions, References, run_attempt
from proctor.settings import get_settings
from proctor.spec import load_suite

TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    args = parser.parse_args()
    settings = get_settings()
    tasks = load_suite(args.suite)
    refs = References(tasks, settings.repos_dir)
    ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    rows = []
    with tempfile.TemporaryDirectory(prefix="proctor-quality-") as tmp:
        for task in tasks:
            # First attempt: norms learned from scratch (cold); second: learned norms cached.
            first = run_attempt(AttemptInput.first(task), ctx, Path(tmp) / f"cold-{task.id}")
            again = run_attempt(AttemptInput.first(task), ctx, Path(tmp) / task.id)
            cold, warm = first.durations["quality"], again.durations["quality"]
            tests = again.durations["tests"]
            rows.append((cold, warm, tests))
            print(
                f"{task.id:22} quality cold {cold:5.2f}s cached {warm:5.2f}s  "
                f"tests {tests:5.2f}s  ratio cold/tests {cold / tests:4.2f}"
            )
    for label, col in (("cold", 0), ("cached", 1)):
        secs = [r[col] for r in rows]
        ratios = [r[col] / r[2] for r in rows]
        print(
            f"quality {label}: median {statistics.median(secs):.2f}s, max {max(secs):.2f}s "
            f"(target < {TARGET_S:.1f}s); ratio to the hidden-test run: "
            f"median {statistics.median(ratios):.2f}, max {max(ratios):.2f}"
        )


if __name__ == "__main__":
    main()
