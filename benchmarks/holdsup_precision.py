"""Is "holds up" right? The quality grader's false-alarm rate and catch rate.

Every reference (gold) fix of the shipped suites was merged by its repository's maintainers and
validated as resolving its task, so it should hold up: a reference fix the quality grading finds
not clean is a false alarm. The same fix with one review defect injected
(:func:`proctor.grade.quality.defects.inject`, eight kinds) should not hold up, and should be
caught by the finding meant for its kind (:data:`~proctor.grade.quality.defects.CAUGHT_BY`
among the report's deciding findings). Each change is graded exactly as an attempt grades it
(:func:`proctor.run.grade_patches`: the run's quality phase on a sealed checkout of the base
with the change applied); the hidden tests are not run, the fixes being resolved already.

    PROCTOR_REPOS_DIR=/work/main/repos .venv/bin/python benchmarks/holdsup_precision.py \
        [--suite tasks/core ...] [--jobs 2] [--json out.json]

Prints the false-alarm rate overall and per suite with every false alarm and the findings that
decided it, then the catch rate overall, per defect kind and per suite, with every miss.
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
from proctor.grade.quality.defects import DEFECT_KINDS, caught, finding_id, inject_all
from proctor.repo import sealed_checkout
from proctor.run import References, grade_patches
from proctor.settings import get_settings
from proctor.spec import Task, load_suite

SUITES = ("tasks/core", "tasks/main", "tasks/pairs", "tasks/runner-imported")
TARGET_HOLDS = 0.98
TARGET_CAUGHT = 0.90
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
    """``check:rule path:line message`` of the findings that made it not clean."""
    caught: bool | None = None
    """For an injected defect: caught by the finding meant for it (a deciding one)."""
    seen: bool | None = None
    """For an injected defect: the finding meant for it is in the report, deciding or not."""
    path: str = ""
    error: str = ""


def describe(report: QualityReport) -> list[str]:
    """``check:rule path:line message`` of every finding that counts against ``clean``."""
    return [f"{finding_id(f)} {f.path}:{f.line or ''} {f.message[:90]}" for f in report.deciding]


def grade_task(job: tuple[str, Task, str, bool]) -> list[Case]:
    """Grade the reference fix of one task and, with ``defects``, every defect injected into
    it (in a worker)."""
    suite, task, repos_dir, with_defects = job
    refs = References([task], Path(repos_dir))
    try:
        source = refs.source(task.id)
    except ProctorError as exc:
        return [Case(suite, task.id, REFERENCE, error=f"no source: {exc}")]
    cases = []
    with tempfile.TemporaryDirectory(prefix="proctor-holdsup-") as tmp:
        checkout = sealed_checkout(source.git_dir, task.base_commit, Path(tmp) / "checkout")
        found = inject_all(source.gold_patch, checkout) if with_defects else []
        defects = {d.kind: d for d in found}
        patches = {REFERENCE: source.gold_patch, **{k: d.patch for k, d in defects.items()}}
        for kind, report in grade_patches(task, source, checkout, patches):
            path = defects[kind].path if kind in defects else ""
            if isinstance(report, PatchError):
                cases.append(Case(suite, task.id, kind, path=path, error=f"no apply: {report}"))
                continue
            case = Case(suite, task.id, kind, report.clean, describe(report), path=path)
            if kind != REFERENCE:
                case.caught = caught(kind, report.deciding)
                case.seen = caught(kind, report.findings)
            cases.append(case)
    return cases


def mark(case: Case) -> str:
    """One word for a graded case, as the progress lines show it."""
    if case.clean is None:
        return "ERROR"
    if case.kind == REFERENCE:
        return "holds" if case.clean else "ALARM"
    return "caught" if case.caught else "MISSED"


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f}%)" if total else "0/0"


def report_alarms(cases: Sequence[Case]) -> bool:
    """Print the false-alarm figures; True when the target is met."""
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
    for case in cases:
        if case.clean is None:
            print(f"  not graded: {case.task} {case.kind}: {case.error}")
    met = bool(refs) and holds / len(refs) >= TARGET_HOLDS
    print(f"holds up on {rate(holds, len(refs))} of reference fixes (target >= 98%): {met}")
    return met


def report_catches(cases: Sequence[Case], tasks: int) -> bool:
    """Print the catch-rate figures; True when the target is met."""
    injected = [c for c in cases if c.kind != REFERENCE and c.clean is not None]
    print("\ncatch rate (injected defects caught by the finding meant for them):")
    print(f"  {'kind':22} {'caught':>18} {'finding seen':>18} {'not clean':>18} {'n/a':>5}")
    for kind in DEFECT_KINDS:
        rows = [c for c in injected if c.kind == kind]
        n = len(rows)
        print(
            f"  {kind:22} {rate(sum(bool(c.caught) for c in rows), n):>18} "
            f"{rate(sum(bool(c.seen) for c in rows), n):>18} "
            f"{rate(sum(not c.clean for c in rows), n):>18} {tasks - n:>5}"
        )
    by_suite: dict[str, list[Case]] = defaultdict(list)
    for case in injected:
        by_suite[case.suite].append(case)
    for suite, rows in sorted(by_suite.items()):
        print(f"  {suite:22} {rate(sum(bool(c.caught) for c in rows), len(rows)):>18}")
    hits = sum(bool(c.caught) for c in injected)
    print(f"  {'all':22} {rate(hits, len(injected)):>18}")
    for case in injected:
        if not case.caught:
            why = " | ".join(case.deciding[:3]) or "clean"
            print(f"    missed {case.kind} {case.task} ({case.path}): {why}")
    met = bool(injected) and hits / len(injected) >= TARGET_CAUGHT
    print(f"caught {rate(hits, len(injected))} of injected defects (target >= 90%): {met}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", type=Path, help="default: every shipped")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", type=Path, help="write every case here")
    parser.add_argument("--every", type=int, default=1, help="grade every N-th task only")
    parser.add_argument(
        "--defects-every",
        type=int,
        default=1,
        help="inject defects into every N-th graded task of each suite only (default: all)",
    )
    args = parser.parse_args()
    settings = get_settings()
    suites = args.suite or [Path(s) for s in SUITES if Path(s).is_dir()]
    jobs = []
    for suite in suites:
        for index, task in enumerate(load_suite(suite)[:: max(1, args.every)]):
            defects = index % max(1, args.defects_every) == 0
            jobs.append((str(suite), task, str(settings.repos_dir), defects))
    jobs.sort(key=lambda job: (job[1].repo, job[1].base_commit))  # learned norms stay cached
    cases: list[Case] = []
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        for done in pool.imap(grade_task, jobs, chunksize=4):
            for case in done:
                print(f"{case.suite:22} {case.task:40} {case.kind:20} {mark(case)}", flush=True)
            cases += done
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cases], indent=1), encoding="utf-8")
    alarms_ok = report_alarms(cases)
    catches_ok = report_catches(cases, sum(job[3] for job in jobs))
    sys.exit(0 if alarms_ok and catches_ok else 1)


if __name__ == "__main__":
    main()
