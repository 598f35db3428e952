"""Benchmark: how long ``grade_quality`` takes on a real repository change.

The change is one commit of a git repository (a bare mirror is fine): its tree is exported to
a temporary folder (the working tree after the change), the base texts of the changed paths
come from ``git show BASE:path``, and the commit itself stands in for the reference change.
Prints the median seconds over ``--repeat`` trials of each part, and the total against a
limit (``--limit``, the time grading may spend on quality per attempt):

* lint: the ruff runs (lint delta, formatter check, security delta);
* conventions: reading the base files, learning the norms with tree-sitter, judging the change
  (cold: the cache of learned bases is emptied before every trial; warm: it is not, as for the
  second attempt at a task graded in the same process);
* hygiene: tampering, leftovers, commented-out code, dependencies, footprint, size;
* total: ``grade_quality`` end to end.

Run from the repository root::

    .venv/bin/python benchmarks/quality_timing.py --repo PATH --base SHA --commit SHA
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from proctor.grade.quality import grade_quality, repo_conventions
from proctor.grade.quality.conventions import base_sources, forget_learned
from proctor.grade.quality.hygiene import check_hygiene
from proctor.grade.quality.lint import check_lint


def git(repo: Path, *args: str) -> bytes:
    """Output of a git command in ``repo`` (a work tree or a bare git directory)."""
    return subprocess.run(
        ["git", "--git-dir", str(_git_dir(repo)), *args], capture_output=True, check=True
    ).stdout


def _git_dir(repo: Path) -> Path:
    return repo / ".git" if (repo / ".git").exists() else repo


def text_at(repo: Path, commit: str, path: str) -> str | None:
    """Text of ``path`` at ``commit``, None when it does not exist there."""
    try:
        return git(repo, "show", f"{commit}:{path}").decode("utf-8", "replace")
    except subprocess.CalledProcessError:
        return None


def export(repo: Path, commit: str, dest: Path) -> None:
    """Write the tree of ``commit`` into ``dest``."""
    archive = git(repo, "archive", "--format=tar", commit)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="git repository (bare is fine)")
    parser.add_argument("--base", required=True, help="commit the change starts from")
    parser.add_argument("--commit", required=True, help="commit whose change is graded")
    parser.add_argument("--repeat", type=int, default=3, help="trials per figure (median)")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed in total")
    args = parser.parse_args()

    args.base = git(args.repo, "rev-parse", args.base).decode().strip()
    args.commit = git(args.repo, "rev-parse", args.commit).decode().strip()
    names = git(args.repo, "diff", "--name-only", "--no-renames", args.base, args.commit)
    paths = names.decode().split()
    numstat = git(args.repo, "diff", "--numstat", "--no-renames", args.base, args.commit).decode()
    lines = sum(
        int(a) + int(d)
        for a, d, *_ in (row.split("\t") for row in numstat.splitlines())
        if a.isdigit() and d.isdigit()
    )
    base = {p: text_at(args.repo, args.base, p) for p in paths}
    after = {p: text_at(args.repo, args.commit, p) for p in paths}

    with tempfile.TemporaryDirectory(prefix="proctor-bench-") as name:
        root = Path(name)
        export(args.repo, args.commit, root)
        sources = base_sources(root, base)

        def conventions(cold: bool = True) -> object:
            if cold:
                forget_learned()
            return repo_conventions(root, base, after, base_sources(root, base))

        def total() -> object:
            forget_learned()
            return grade_quality(root, base, after, reference_paths=paths, reference_lines=lines)

        figures = {
            "lint": timed(lambda: check_lint(root, base, after), args.repeat),
            "conventions": timed(conventions, args.repeat),
            "conv. warm": timed(lambda: conventions(cold=False), args.repeat),
            "hygiene": timed(
                lambda: check_hygiene(base, after, sources=sources, reference_paths=paths),
                args.repeat,
            ),
            "total": timed(total, args.repeat),
        }
        report = grade_quality(root, base, after, reference_paths=paths, reference_lines=lines)

    print(
        f"change {args.base[:10]}..{args.commit[:10]}: {len(paths)} file(s), {lines} line(s); "
        f"learned from {len(sources)} file(s); median of {args.repeat}"
    )
    for part, seconds in figures.items():
        print(f"  {part:<12} {seconds:7.3f} s")
    print(f"  total / limit ({args.limit:g} s) = {figures['total'] / args.limit:.3f}")
    for check in (report.lint, report.format, report.conventions, report.hygiene, report.security):
        print(f"  {check.name:<12} ok={check.ok!s:<5} {check.summary}")


if __name__ == "__main__":
    main()
