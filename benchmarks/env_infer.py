"""Benchmark: environment inference with no options on a fixed list of real repositories.

For each line of the list (default ``benchmarks/pypi30.txt``: rank, PyPI name, GitHub
owner/name, commit), runs what ``proctor env infer https://github.com/OWNER/NAME --commit SHA``
runs (static inference, then the repository's tests, up to ``--max-files`` test files, in the
proposal inside the sandbox) and prints one row per repository: accepted or not, the figures
of the check, seconds, and the cause of a rejection; then the success rate. The mirrors must be
in ``--repos-dir`` (``proctor repos fetch`` or the ``fetch`` of your choice). Run from the
repository root::

    .venv/bin/python benchmarks/env_infer.py --repos-dir repos
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from proctor.errors import ProctorError
from proctor.mine import find_environment
from proctor.settings import Settings


def _entries(path: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rank, name, slug, commit = line.split()
            rows.append((rank, name, slug, commit))
    return rows


def main() -> None:
    """Infer and check each repository of the list; print the table and the rate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", type=Path, default=Path("benchmarks/pypi30.txt"))
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("--max-files", type=int, default=40)
    parser.add_argument("--only", action="append", default=[], help="PyPI names to run")
    args = parser.parse_args()
    console = Console(width=200)
    settings = Settings(repos_dir=args.repos_dir, test_timeout_s=600, per_test_timeout_s=60)
    table = Table("rank", "package", "verdict", "python", "layout/setup", "check", "s")
    accepted = total = 0
    for rank, name, slug, commit in _entries(args.list):
        if args.only and name not in args.only:
            continue
        total += 1
        started = time.monotonic()
        try:
            found = find_environment(
                f"https://github.com/{slug}", commit, settings, max_files=args.max_files
            )
        except ProctorError as exc:
            seconds = time.monotonic() - started
            table.add_row(rank, name, "[red]error[/]", "", "", escape(str(exc)), f"{seconds:.0f}")
            continue
        seconds = time.monotonic() - started
        env = found.environment
        accepted += found.accepted
        verdict = "[green]accepted[/]" if found.accepted else "[red]rejected[/]"
        shape = f"{','.join(env.pythonpath)}" + (f" +{len(env.setup)} setup" if env.setup else "")
        summary = found.check.summary() if found.check else ""
        table.add_row(rank, name, verdict, env.python, shape, escape(summary), f"{seconds:.0f}")
        console.print(f"{name}: {verdict} {escape(summary)}", highlight=False)
    console.print(table)
    console.print(f"accepted {accepted}/{total} = {accepted / max(1, total):.0%}")


if __name__ == "__main__":
    main()
