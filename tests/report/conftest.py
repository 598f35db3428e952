"""Run folders made by hand: results.jsonl lines and HumanEval result.json files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proctor.isolated import HumanEvalResult, ProblemResult


def write_results(run_dir: Path, rows: list[tuple[str, str]], **extra: Any) -> Path:
    """A run folder whose results.jsonl holds (task id, outcome) rows; ``extra`` per row
    fields keyed by task id, e.g. ``holds={"t1": True}`` or ``quality={"t1": None}``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for task_id, outcome in rows:
        row: dict[str, Any] = {
            "schema_version": 1,
            "task_id": task_id,
            "model": "m",
            "outcome": outcome,
            "resolved": outcome == "resolved",
            "started_at": "2024-01-01T00:00:00Z",
            "finished_at": "2024-01-01T00:01:00Z",
        }
        if task_id in extra.get("holds", {}):
            row["holds_up"] = extra["holds"][task_id]
        if task_id in extra.get("quality", {}):
            row["quality"] = extra["quality"][task_id]
        lines.append(json.dumps(row))
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
