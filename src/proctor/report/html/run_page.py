"""The run page and its attempt pages: what a run folder holds, as page data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.errors import ProctorError
from proctor.report.html.attempt_page import (
    Sources,
    attempt_context,
    attempt_usage,
    findings_of,
)
from proctor.report.html.load import RunFolder
from proctor.report.html.render import render_page
from proctor.report.stats import wilson_ci
from proctor.report.summary import summarize
from proctor.run import AttemptResult, Outcome, References
from proctor.spec import Task, load_suite

ATTEMPTS_DIR = "attempts"


@dataclass
class SuiteFound:
    """The tasks of a run's suite where it can still be read, and the reason where not."""

    tasks: dict[str, Task]
    why_not: str = ""


def find_suite(run: RunFolder) -> SuiteFound:
    """The run's suite, read from where its manifest says (relative to the current folder)."""
    if not run.suite:
        return SuiteFound({}, "the run does not record its suite")
    try:
        return SuiteFound({t.id: t for t in load_suite(Path(run.suite))})
    except (ProctorError, OSError) as exc:
        return SuiteFound({}, f"suite {run.suite} cannot be read here ({exc})")


def attempt_href(result: AttemptResult) -> str:
    """The attempt page of ``result``, relative to the run page."""
    return f"{ATTEMPTS_DIR}/{result.key.folder}.html"


def _pct(n: int, total: int) -> dict[str, Any]:
    if total < 1:
        return {"n": n, "pct": 0.0, "low": 0.0, "high": 0.0}
    est = wilson_ci(n, total)
    return {"n": n, "pct": 100 * n / total, "low": 100 * est.low, "high": 100 * est.high}


def _findings(result: AttemptResult) -> int | None:
    return None if result.quality is None else len(findings_of(result))


def _note(result: AttemptResult) -> str:
    return result.message or "; ".join([*result.integrity, *result.notes])


def task_row(result: AttemptResult, usage: Mapping[str, float]) -> dict[str, Any]:
    """One row of the run page's task table (plain data for the page's script)."""
    holds = None if result.quality is None else result.holds_up
    return {
        "id": result.task_id,
        "attempt": result.key.folder,
        "href": attempt_href(result),
        "outcome": result.outcome.value,
        "holds": holds,
        "f2p": [result.f2p_passed, result.f2p_total],
        "p2p": [result.p2p_passed, result.p2p_total],
        "findings": _findings(result),
        "confidence": result.confidence,
        "seconds": round(result.durations.get("total", 0.0), 1),
        "cost": round(float(usage.get("cost_usd", 0.0)), 5),
        "tokens": int(usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)),
        "note": _note(result),
    }


def run_context(run: RunFolder, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Everything the run page shows above its table, and the table's rows."""
    results = run.results
    summary = summarize(results)
    total = summary.total
    counts = [{"outcome": o.value, **_pct(summary.outcomes[o.value], total)} for o in Outcome]
    graded = [r for r in results if r.quality is not None]
    sandboxes = Counter(r.sandbox or "not reached (ended before the tests ran)" for r in results)
    starts = [r.started_at for r in results]
    ends = [r.finished_at for r in results]
    settings = {k: v for k, v in run.manifest.items() if k not in ("model", "suite")}
    return {
        "model": run.model,
        "suite": run.suite,
        "run_path": str(run.path),
        "settings": {k: str(v) for k, v in settings.items()},
        "sandboxes": dict(sandboxes),
        "total": total,
        "counts": counts,
        "resolved": _pct(summary.resolved, total),
        "holds_up": _pct(summary.holds_up, total),
        "graded": len(graded),
        "cost": sum(float(r["cost"]) for r in rows),
        "tokens": sum(int(r["tokens"]) for r in rows),
        "attempt_seconds": sum(r.durations.get("total", 0.0) for r in results),
        "wall_seconds": (max(ends) - min(starts)).total_seconds() if results else 0.0,
        "problems": run.problems,
        "in_progress": run.in_progress,
        "rows": list(rows),
    }


def write_run(
    run: RunFolder,
    dest: Path,
    *,
    root: str,
    repos_dir: Path | None,
    suite: SuiteFound | None = None,
    nav: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the run page (``dest/index.html``) and one page per attempt under
    ``dest/attempts/``; ``root`` is the way from ``dest`` to the report's top folder."""
    suite = suite if suite is not None else find_suite(run)
    sources = None
    if repos_dir is not None:
        sources = Sources(References(list(suite.tasks.values()), repos_dir), repos_dir)
    rows = []
    tries: dict[str, list[AttemptResult]] = {}
    for result in run.results:
        tries.setdefault(result.task_id, []).append(result)
    for result in run.results:
        adir = run.path / result.key.folder
        usage = attempt_usage(adir)
        rows.append(task_row(result, usage))
        context = attempt_context(result, adir, suite.tasks.get(result.task_id), sources)
        render_page(
            "attempt.html",
            dest / attempt_href(result),
            root=root + "../",
            back="../index.html",
            title=f"{result.task_id} · {run.model}",
            run_model=run.model,
            suite_why_not=suite.why_not,
            nav=nav,
            siblings=[
                (f"sample {r.sample}, round {r.round}", f"{r.key.folder}.html")
                for r in sorted(tries[result.task_id], key=lambda r: (r.sample, r.round))
                if r is not result
            ],
            **context,
        )
    return render_page(
        "run.html",
        dest / "index.html",
        root=root,
        title=f"{run.model} on {Path(run.suite).name or 'a suite'}",
        nav=nav,
        suite_why_not=suite.why_not,
        **run_context(run, rows),
    )
