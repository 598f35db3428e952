"""Benchmark: mining with environment inference vs with hand-written environment options.

For each repository, mines the same window of history twice, back to back on this machine:
once with the options a person wrote by hand (``--no-infer`` plus ``--python``, ``--package``,
``--pythonpath``), once with inference only (no environment option). Each run starts from an
empty environment cache (uv's download cache is shared), so both pay for their own venvs.
Prints, per repository and mode: candidates verified, wall time, candidates per minute, the
share accepted, and the ratio inference / manual of both figures. Run from the repository
root, with the mirrors in ``repos/``::

    .venv/bin/python benchmarks/mine_infer.py --max 12 -j 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from proctor.mine import MineOptions, mine
from proctor.settings import Settings


@dataclass(frozen=True)
class Case:
    """A repository and the options a person had to write by hand to mine it."""

    repo: str
    manual: dict[str, object]
    window: dict[str, object] | None = None
    """Which commits (default: the newest ``--max`` candidates)."""


CASES = (
    Case("https://github.com/tkem/cachetools", {"pythonpath": ["src"]}),
    Case(
        "https://github.com/pytest-dev/iniconfig",
        {"pythonpath": ["src"]},
        {"since": "2019-01-01", "max_files": 12, "max_lines": 1000},
    ),
    Case("https://github.com/andialbrecht/sqlparse", {"pythonpath": ["."]}),
    Case("https://github.com/scrapy/w3lib", {"pythonpath": ["."]}),
)


@dataclass(frozen=True)
class Figures:
    verified: int
    kept: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.verified / (self.seconds / 60) if self.seconds else 0.0

    @property
    def accepted(self) -> float:
        return self.kept / self.verified if self.verified else 0.0


def _mine(case: Case, options: MineOptions, repos_dir: Path, jobs: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="proctor-mine-infer-") as tmp:
        settings = Settings(
            repos_dir=repos_dir,
            cache_dir=Path(tmp) / "cache",
            test_timeout_s=600,
            per_test_timeout_s=60,
        )
        started = time.perf_counter()
        result = mine(case.repo, Path(tmp) / "suite", options, settings, jobs=jobs)
        seconds = time.perf_counter() - started
    verified = [e for e in result.new if e.stage == "verify"]
    kept = [e for e in verified if e.status == "kept"]
    return Figures(len(verified), len(kept), seconds)


def main() -> None:
    """Mine each case both ways and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("--max", type=int, default=12, help="candidates per run")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--only", action="append", default=[], help="repository name filter")
    args = parser.parse_args()
    console = Console(width=140)
    table = Table("repository", "mode", "verified", "seconds", "cand/min", "accepted")
    for case in CASES:
        if args.only and not any(o in case.repo for o in args.only):
            continue
        window = {"max_candidates": args.max, **(case.window or {})}
        manual = MineOptions.model_validate({**window, **case.manual, "infer": False})
        inferred = MineOptions.model_validate(window)
        rows = {
            "manual": _mine(case, manual, args.repos_dir, args.jobs),
            "inferred": _mine(case, inferred, args.repos_dir, args.jobs),
        }
        name = case.repo.rsplit("/", 1)[-1]
        for mode, f in rows.items():
            table.add_row(
                name,
                mode,
                str(f.verified),
                f"{f.seconds:.0f}",
                f"{f.per_minute:.1f}",
                f"{f.kept}/{f.verified} = {f.accepted:.0%}",
            )
        m, i = rows["manual"], rows["inferred"]
        ratio = i.per_minute / m.per_minute if m.per_minute else float("nan")
        table.add_row(name, "ratio inferred/manual", "", "", f"{ratio:.2f}", f"{i.kept}/{m.kept}")
    console.print(table)


if __name__ == "__main__":
    main()
