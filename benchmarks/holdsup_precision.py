"""Is "holds up" right? The quality grader's false-alarm rate on reference fixes.

Every reference (gold) fix of the shipped suites was merged by its repository's maintainers and
validated as resolving its task, so it should hold up: a reference fix the quality grading finds
not clean is a false alarm. Each fix is graded exactly as an attempt grades it
(:func:`proctor.run.grade_patches`: the run's quality phase on a sealed checkout of the base
with the fix applied); the hidden tests are not run, the fixes being resolved already.

    PROCTOR_REPOS_DIR=/work/main/repos .venv/bin/python benchmarks/holdsup_precision.py \
        [--suite tasks/core ...] [--jobs 2] [--json out.json]

Prints the false-alarm rate overall and per suite, and every false alarm with the findings
that decided it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from proctor.errors import PatchError, ProctorError
from proctor.grade import QualityReport
from proctor.repo import sealed_checkout
from proctor.run import References, grade_patches
from proctor.settings import get_settings
from proctor.spec import Task, load_suite

SUITES = ("tasks/core", "tasks/main", "tasks/pairs", "tasks/runner-imported")
TARGET_HOLDS = 0.98
REFERENCE = "reference"


@dataclass
class Case:
    """One graded change: a task's reference fix, or a defect injected into it."""

    suite: str
    task: str
    kind: str
    clean: bool | None = None
    """None: not graded (the change did not apply, or the repository could not be had)."""
    deciding: list[str] = field(default_factory=list)
    """``check:rule`` of the findings that made it not clean."""
    error: str = ""


def deciding_findings(report: QualityReport) -> list[str]:
    """``check:rule path:line`` of every finding that counts against ``clean``."""
    found = []
    for result in (report.lint, report.conventions, report.hygiene):
        for f in result.findings:
            if result.name == "hygiene" and f.kind not in ("tampering", "error"):
                continue
            found.append(f"{f.check}:{f.rule or f.kind} {f.path}:{f.line or ''} {f.message[:90]}")
    return found


def grade_task(job: tuple[str, Task, str]) -> list[Case]:
    """Grade the reference fix of one task (in a worker process)."""
    suite, task, repos_dir = job
    refs = References([task], Path(repos_dir))
    try:
        source = refs.source(task.id)
    except ProctorError as exc:
        return [Case(suite, task.id, REFERENCE, error=f"no source: {exc}")]
    patches = {REFERENCE: source.gold_patch}
    cases = []
    with tempfile.TemporaryDirectory(prefix="proctor-holdsup-") as tmp:
        checkout = sealed_checkout(source.git_dir, task.base_commit, Path(tmp) / "checkout")
        for kind, report in grade_patches(task, source, checkout, patches):
            if isinstance(report, PatchError):
                cases.append(Case(suite, task.id, kind, error=f"does not apply: {report}"))
            else:
                found = deciding_findings(report)
                cases.append(Case(suite, task.id, kind, report.clean, found))
    return cases


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f}%)" if total else "0/0"


def report(cases: Sequence[Case]) -> bool:
    """Print the figures; True when the target is met."""
    refs = [c for c in cases if c.kind == REFERENCE and c.clean is not None]
    by_suite: dict[str, list[Case]] = defaultdict(list)
    for case in refs:
        by_suite[case.suite].append(case)
    print("\nfalse alarms (reference fixes that do not hold up):")
    for suite, rows in sorted(by_suite.items()):
        print(f"  {suite:28} {rate(sum(not c.clean for c in rows), len(rows))}")
    alarms = sum(not c.clean for c in refs)
    holds = len(refs) - alarms
    print(f"  {'all':28} {rate(alarms, len(refs))}")
    for case in refs:
        if not case.clean:
            print(f"    {case.task}: " + " | ".join(case.deciding[:4]))
    errors = [c for c in cases if c.clean is None]
    for case in errors:
        print(f"  not graded: {case.task} {case.kind}: {case.error}")
    share = holds / len(refs) if refs else 0.0
    met = share >= TARGET_HOLDS
    print(f"holds up on {rate(holds, len(refs))} of reference fixes (target >= 98%): {met}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", type=Path, help="default: every shipped")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", type=Path, help="write every case here")
    args = parser.parse_args()
    settings = get_settings()
    suites = args.suite or [Path(s) for s in SUITES if Path(s).is_dir()]
    jobs = []
    for suite in suites:
        for task in load_suite(suite):
            jobs.append((str(suite), task, str(settings.repos_dir)))
    jobs.sort(key=lambda job: (job[1].repo, job[1].base_commit))  # learned norms stay cached
    cases: list[Case] = []
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        for done in pool.imap(grade_task, jobs, chunksize=4):
            for case in done:
                mark = "ok" if case.clean else ("ERR" if case.clean is None else "ALARM")
                print(f"{case.suite:24} {case.task:34} {case.kind:18} {mark}", flush=True)
            cases += done
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cases], indent=1), encoding="utf-8")
    sys.exit(0 if report(cases) else 1)


if __name__ == "__main__":
    main()
