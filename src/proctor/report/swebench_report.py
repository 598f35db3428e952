"""A run's report in the shape of SWE-bench's ``<model>.<run_id>.json``, for the scripts that
read SWE-bench leaderboards.

SWE-bench's harness (``swebench/harness/reporting.py``) writes counts and sorted id lists; this
writes the same keys. Its buckets from proctor's outcomes: resolved -> ``resolved_ids``;
environment-error -> ``error_ids``; an empty patch -> ``empty_patch_ids``; every other outcome ->
``unresolved_ids``, with proctor's own outcome per id in ``proctor_outcomes`` (an extra key
that SWE-bench's readers ignore). ``completed`` is resolved plus unresolved, as there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proctor.files import write_atomic
from proctor.run import AttemptResult, Outcome

SCHEMA_VERSION = 2
"""The ``schema_version`` SWE-bench writes in its run report."""
PATCH_FILE = "model.patch"


def report_name(model: str, run_id: str) -> str:
    """``<model>.<run_id>.json``, the model's ``/`` written ``__`` as SWE-bench does."""
    safe = re.sub(r"[^A-Za-z0-9._+@-]+", "_", model.replace("/", "__"))
    return f"{safe}.{run_id}.json"


def _empty_patch(run_dir: Path, result: AttemptResult) -> bool:
    try:
        text = (run_dir / result.key.folder / PATCH_FILE).read_text(encoding="utf-8")
    except OSError:
        return result.model_status == "" or result.outcome is Outcome.PATCH_FAILED
    return not text.strip()


def swebench_report(
    results: Sequence[AttemptResult], run_dir: Path, task_ids: Sequence[str]
) -> dict[str, Any]:
    """The report of one sample's ``results`` (the last round of each task) of ``task_ids``."""
    buckets: dict[str, list[str]] = {"resolved": [], "unresolved": [], "empty": [], "error": []}
    outcomes: dict[str, str] = {}
    for r in results:
        outcomes[r.task_id] = r.outcome.value
        if r.outcome is Outcome.RESOLVED:
            buckets["resolved"].append(r.task_id)
        elif r.outcome is Outcome.ENVIRONMENT_ERROR:
            buckets["error"].append(r.task_id)
        elif _empty_patch(run_dir, r):
            buckets["empty"].append(r.task_id)
        else:
            buckets["unresolved"].append(r.task_id)
    submitted = sorted(outcomes)
    completed = sorted(buckets["resolved"] + buckets["unresolved"])
    return {
        "total_instances": len(set(task_ids) | set(submitted)),
        "submitted_instances": len(submitted),
        "completed_instances": len(completed),
        "resolved_instances": len(buckets["resolved"]),
        "unresolved_instances": len(buckets["unresolved"]),
        "empty_patch_instances": len(buckets["empty"]),
        "error_instances": len(buckets["error"]),
        "completed_ids": completed,
        "incomplete_ids": sorted(set(task_ids) - set(submitted)),
        "empty_patch_ids": sorted(buckets["empty"]),
        "submitted_ids": submitted,
        "resolved_ids": sorted(buckets["resolved"]),
        "unresolved_ids": sorted(buckets["unresolved"]),
        "error_ids": sorted(buckets["error"]),
        "schema_version": SCHEMA_VERSION,
        "proctor_outcomes": dict(sorted(outcomes.items())),
    }


def write_swebench_reports(
    results: Sequence[AttemptResult], run_dir: Path, model: str, task_ids: Sequence[str]
) -> list[Path]:
    """Write ``<model>.<run_id>.json`` into ``run_dir`` (``run_id`` its name); with several
    samples, one file per sample, ``run_id`` ``<name>-sample<k>``. Returns the files."""
    last: dict[tuple[int, str], AttemptResult] = {}
    for r in sorted(results, key=lambda r: r.round):
        last[(r.sample, r.task_id)] = r
    samples = sorted({sample for sample, _ in last}) or [0]
    written = []
    for sample in samples:
        chosen = [r for (s, _), r in last.items() if s == sample]
        run_id = run_dir.resolve().name
        if len(samples) > 1:
            run_id = f"{run_id}-sample{sample}"
        path = run_dir / report_name(model, run_id)
        report = swebench_report(chosen, run_dir, task_ids)
        write_atomic(path, json.dumps(report, indent=2) + "\n")
        written.append(path)
    return written
