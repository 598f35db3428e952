"""Benchmark: mining tasks from a real repository's history, then validating what was mined.

Mines the newest ``--max`` candidates of a repository (a local mirror is used when
``--repos-dir`` holds one, so no network is needed for the history) into a fresh temporary
suite, and prints:

* how many commits were screened, how many candidates were verified, the wall time, and
  candidates examined per minute (verification runs each candidate's changed test files
  four times in the sandbox: before and after the fix, twice each);
* the fraction of verified candidates accepted, and why the others were dropped;
* the verdict of ``validate_suite`` (gold resolves, empty fails) on the accepted tasks.

The environment is built before the clock starts (``build_env`` reuses it when it exists),
so the figure is the steady-state mining rate. Run from the repository root::

    .venv/bin/python benchmarks/mine.py --repo https://github.com/andialbrecht/sqlparse \\
        --repos-dir repos --max 30 -j 2 --package 'pytest>=8,<9'
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from proctor.mine import MineOptions, mine, reasons_table, verified_table
from proctor.mine.miner import repo_field
from proctor.run.validate import validate_suite
from proctor.sandbox import build_env, detect_backend
from proctor.settings import Settings
from proctor.spec import load_suite


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default="https://github.com/andialbrecht/sqlparse")
    parser.add_argument("--name", default=None, help="task id prefix")
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("--max", type=int, default=30, help="candidates to verify")
    parser.add_argument("-j", "--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--package", action="append", default=[])
    parser.add_argument("--pythonpath", action="append", default=[])
    parser.add_argument("--until", default=None, help="end of the window (git date)")
    parser.add_argument("--validate", type=int, default=5, help="accepted tasks to validate")
    parser.add_argument("--keep", type=Path, default=None, help="write the suite here")
    return parser.parse_args()


def main() -> None:
    """Mine, time, validate, print."""
    args = _args()
    console = Console(width=140)
    settings = Settings(repos_dir=args.repos_dir, test_timeout_s=600, per_test_timeout_s=60)
    options = MineOptions(
        name=args.name,
        max_candidates=args.max,
        until=args.until,
        packages=args.package,
        pythonpath=args.pythonpath or ["."],
    )
    started = time.perf_counter()
    build_env(options.environment(), repo_field(args.repo), settings.envs_dir)
    env_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="proctor-mine-bench-") as tmp:
        out = args.keep or Path(tmp) / "suite"
        started = time.perf_counter()
        result = mine(args.repo, out, options, settings, jobs=args.jobs)
        mine_s = time.perf_counter() - started
        verified = [e for e in result.new if e.stage == "verify"]
        kept = [e for e in verified if e.status == "kept"]
        console.print(verified_table(result.new))
        console.print(reasons_table(result.new))
        rate = len(verified) / (mine_s / 60) if mine_s else 0.0
        console.print(
            f"repo {args.repo}, newest {args.max} candidates (until {args.until or 'HEAD'}), "
            f"-j {args.jobs}, sandbox {detect_backend(settings.sandbox)}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        console.print(
            f"environment ready in {env_s:.1f}s; screened {len(result.new)} commits; "
            f"verified {len(verified)} candidates in {mine_s:.1f}s = "
            f"[bold]{rate:.1f} candidates/min[/]; accepted {len(kept)}/{len(verified)} = "
            f"[bold]{len(kept) / max(1, len(verified)):.0%}[/]"
        )
        _validate(console, out, settings, args.validate, args.jobs)


def _validate(console: Console, out: Path, settings: Settings, limit: int, jobs: int) -> None:
    tasks = load_suite(out)[:limit]
    if not tasks:
        console.print("nothing to validate")
        return
    with tempfile.TemporaryDirectory(prefix="proctor-mine-validate-") as work:
        started = time.perf_counter()
        checks = validate_suite(tasks, settings, Path(work), jobs=jobs)
        seconds = time.perf_counter() - started
    for check in checks:
        verdict = "ok" if check.ok else "; ".join(check.problems)
        console.print(f"  {check.task_id}: {verdict}", highlight=False)
    good = Counter(c.ok for c in checks)[True]
    console.print(
        f"validate: {good}/{len(checks)} valid (gold resolves, empty fails), {seconds:.0f}s"
    )


if __name__ == "__main__":
    main()
