"""One attempt's page data: statement, both diffs, tests, findings, context, conversation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.errors import ProctorError
from proctor.grade import CheckResult
from proctor.repo import is_remote, mirror_path
from proctor.report.html.diff import diff_rows, place_findings
from proctor.report.html.load import read_json, read_jsonl, read_text
from proctor.run import AttemptResult, References
from proctor.spec import Task
from proctor.testrun import DEFAULT_RUNNER, TestReport, get_runner

TRANSCRIPTS = ("trajectory.json", "conversation.json")
"""Where an agent leaves its record, in the attempt's ``model`` folder."""
CONTEXT_HEADER = "# Code from the repository"
"""The heading above the retrieved context in the one-shot prompt."""
MAX_REPORT = 20_000_000


def _transcript(adir: Path) -> dict[str, Any] | None:
    for name in TRANSCRIPTS:
        data = read_json(adir / "model" / name)
        if isinstance(data, dict):
            return {**data, "file": name}
    return None


def attempt_usage(adir: Path) -> dict[str, float]:
    """Tokens and cost the attempt's model calls took (empty when not recorded)."""
    record = _transcript(adir)
    usage = record.get("usage") if record else None
    if not isinstance(usage, dict):
        return {}
    return {k: float(v) for k, v in usage.items() if isinstance(v, int | float)}


@dataclass(frozen=True)
class Sources:
    """Where reference fixes come from: the suite's references and the repositories cache."""

    refs: References
    repos_dir: Path


def reference_diff(task: Task | None, sources: Sources | None) -> tuple[str | None, str]:
    """The reference fix of ``task`` and, where it cannot be had, why (never clones)."""
    if task is None:
        return None, "the task is not in the suite found here"
    if sources is None:
        return None, "no repositories folder given"
    refs = sources.refs
    try:
        if is_remote(task.repo) and not mirror_path(task.repo, sources.repos_dir).exists():
            return None, f"{task.repo} is not in the repositories cache"
        return refs.gold(task.id), ""
    except ProctorError as exc:
        return None, str(exc)


def _failures(task: Task | None, adir: Path) -> TestReport | None:
    """The test runner's own report in the attempt folder, read by the runner (None when
    there is none, or it does not parse)."""
    try:
        runner = get_runner(task.environment.runner if task else DEFAULT_RUNNER)
        text = read_text(adir / runner.files.report, limit=MAX_REPORT)
        return runner.parse(text) if text else None
    except ProctorError:
        return None


def _tests(result: AttemptResult, task: Task | None, adir: Path) -> list[dict[str, Any]]:
    report = _failures(task, adir)
    f2p = set(task.hidden_tests.fail_to_pass) if task else set()
    p2p = set(task.hidden_tests.pass_to_pass) if task else set()
    rows = []
    for test_id, status in result.tests.items():
        kind = "F2P" if test_id in f2p else "P2P" if test_id in p2p else ""
        failing = status not in ("passed", "xfailed")
        rows.append(
            {
                "id": test_id,
                "kind": kind,
                "status": status,
                "failing": failing,
                "output": report.failure(test_id) if report and failing else "",
            }
        )
    rows.sort(key=lambda r: (not r["failing"], r["kind"] != "F2P", r["id"]))
    return rows


def _context(transcript: dict[str, Any] | None) -> str | None:
    """The retrieved context the model was given, where the prompt has it."""
    for message in (transcript or {}).get("messages", []):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") == "user" and isinstance(content, str) and CONTEXT_HEADER in content:
            return content.split(CONTEXT_HEADER, 1)[1].strip()
    return None


def messages_shown(transcript: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The recorded messages as the page shows them; ``withdrawn``: an answer that was not sent
    on (its request was drawn again: :meth:`~proctor.agent.transcript.Transcript.withdraw`)."""
    shown: list[dict[str, Any]] = []
    record = transcript or {}
    withdrawn = set(record.get("withdrawn") or ())
    for index, message in enumerate(record.get("messages", [])):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        calls = message.get("tool_calls") or []
        text = content if isinstance(content, str) else ""
        for call in calls if isinstance(calls, list) else []:
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            text += f"\n→ {fn.get('name', '?')}({fn.get('arguments', '')})"
        role = str(message.get("role", "?"))
        shown.append({"role": role, "text": text.strip(), "withdrawn": index in withdrawn})
    return shown


def _checks(result: AttemptResult) -> list[CheckResult]:
    quality = result.quality
    if quality is None:
        return []
    fixed = [quality.lint, quality.format, quality.conventions, quality.hygiene, quality.security]
    return [*fixed, *quality.checks]


def findings_of(result: AttemptResult) -> list[dict[str, Any]]:
    """Every quality finding of ``result``, as plain data."""
    return [f.model_dump() for check in _checks(result) for f in check.findings]


def attempt_context(
    result: AttemptResult, adir: Path, task: Task | None, sources: Sources | None
) -> dict[str, Any]:
    """Everything an attempt page shows, as plain data for its template."""
    transcript = _transcript(adir)
    patch = read_text(adir / "model.patch")
    model_rows = diff_rows(patch or "")
    findings = findings_of(result)
    unplaced = place_findings(model_rows, findings)
    reference, why_no_reference = reference_diff(task, sources)
    quality = result.quality
    return {
        "result": result,
        "attempt": result.key.folder,
        "statement": task.problem_statement if task else None,
        "patch_present": patch is not None,
        "model_rows": model_rows,
        "reference_rows": diff_rows(reference) if reference is not None else None,
        "why_no_reference": why_no_reference,
        "tests": _tests(result, task, adir),
        "tests_log": read_text(adir / "tests.log"),
        "error_log": read_text(adir / "error.log"),
        "checks": _checks(result),
        "findings": findings,
        "unplaced": unplaced,
        "size": {} if quality is None else quality.size,
        "context": _context(transcript),
        "transcript": transcript,
        "steps": (transcript or {}).get("steps", []),
        "usage": attempt_usage(adir),
        "messages": messages_shown(transcript),
        "calls": read_jsonl(adir / "model" / "calls.jsonl"),
    }
