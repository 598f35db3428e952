"""Run folders made by hand: results.jsonl lines and HumanEval result.json files."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from proctor.grade.quality import CheckResult, QualityReport
from proctor.run import AttemptResult, HumanEvalResult, Outcome, ProblemResult

GRADED = QualityReport(
    **{
        name: CheckResult(name=name, ok=True)
        for name in ("lint", "format", "conventions", "hygiene", "security")
    }
)
"""A quality report with nothing found: the attempt's quality was graded."""


def write_results(run_dir: Path, rows: list[tuple[str, str]], **extra: Any) -> Path:
    """A run folder whose results.jsonl holds (task id, outcome) rows; ``extra`` per row
    fields keyed by task id: ``holds={"t1": True}`` (holds_up) or ``quality={"t1": GRADED}``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for task_id, outcome in rows:
        result = AttemptResult(
            task_id=task_id,
            model="m",
            outcome=Outcome(outcome),
            resolved=outcome == "resolved",
            holds_up=extra.get("holds", {}).get(task_id, False),
            quality=extra.get("quality", {}).get(task_id),
            started_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
            finished_at=datetime(2024, 1, 1, 0, 1, tzinfo=timezone.utc),
        )
        lines.append(result.model_dump_json())
    (run_dir / "results.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "run.json").write_text(json.dumps({"model": "m", "suite": "s"}))
    return run_dir


def write_humaneval(run_dir: Path, outcomes: list[tuple[int, int]]) -> Path:
    """A HumanEval run folder whose problems had (samples, correct) each."""
    run_dir.mkdir(parents=True, exist_ok=True)
    problems = [
        ProblemResult(
            task_id=f"HumanEval/{i}",
            n=n,
            correct=c,
            results=["passed"] * c + ["failed: x"] * (n - c),
            pass_at_k={"pass@1": c / n},
        )
        for i, (n, c) in enumerate(outcomes)
    ]
    mean = sum(p.pass_at_k["pass@1"] for p in problems) / len(problems)
    result = HumanEvalResult(
        model="m", n=1, temperature=0.0, pass_at_k={"pass@1": mean}, problems=problems
    )
    (run_dir / "result.json").write_text(result.model_dump_json())
    return run_dir
