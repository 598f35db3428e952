"""One attempt's page data: statement, both diffs, tests, findings, context, conversation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
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

TRANSCRIPTS = ("trajectory.json", "conversation.json")
"""Where an agent leaves its record, in the attempt's ``model`` folder."""
CONTEXT_HEADER = "# Code from the repository"
"""The heading above the retrieved context in the one-shot prompt."""
MAX_JUNIT = 20_000_000


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


def _junit_cases(path: Path) -> list[dict[str, str]]:
    """Every test case of a JUnit XML file: name, classname, status and output."""
    try:
        if path.stat().st_size > MAX_JUNIT:
            return []
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return []
    cases = []
    for case in root.iter("testcase"):
        output = []
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                status = "skipped" if child.tag == "skipped" else "failed"
                output.append(f"{child.get('message', '')}\n{child.text or ''}".strip())
            elif child.tag in ("system-out", "system-err") and child.text:
                output.append(f"[{child.tag}]\n{child.text.strip()}")
        cases.append(
            {
                "name": case.get("name", ""),
                "classname": case.get("classname", ""),
                "status": status,
                "output": "\n\n".join(output),
            }
        )
    return cases


def _case_for(test_id: str, cases: list[dict[str, str]]) -> dict[str, str] | None:
    """The JUnit case of a pytest node id (``path.py::Class::name``), by name and class."""
    parts = test_id.split("::")
    name = parts[-1]
    module = parts[0].removesuffix(".py").replace("/", ".")
    classname = ".".join([module, *parts[1:-1]])
    named = [c for c in cases if c["name"] == name]
    exact = [c for c in named if c["classname"] == classname]
    if exact:
        return exact[0]
    return named[0] if len(named) == 1 else None


def _tests(result: AttemptResult, task: Task | None, adir: Path) -> list[dict[str, Any]]:
    cases = _junit_cases(adir / "junit.xml")
    f2p = set(task.hidden_tests.fail_to_pass) if task else set()
    p2p = set(task.hidden_tests.pass_to_pass) if task else set()
    rows = []
    for test_id, status in result.tests.items():
        case = _case_for(test_id, cases)
        kind = "F2P" if test_id in f2p else "P2P" if test_id in p2p else ""
        failing = status not in ("passed", "xfailed")
        rows.append(
            {
                "id": test_id,
                "kind": kind,
                "status": status,
                "failing": failing,
                "output": case["output"] if case and failing else "",
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


def _messages(transcript: dict[str, Any] | None) -> list[dict[str, str]]:
    shown = []
    for message in (transcript or {}).get("messages", []):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        calls = message.get("tool_calls") or []
        text = content if isinstance(content, str) else ""
        for call in calls if isinstance(calls, list) else []:
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            text += f"\n→ {fn.get('name', '?')}({fn.get('arguments', '')})"
        shown.append({"role": str(message.get("role", "?")), "text": text.strip()})
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
        "messages": _messages(transcript),
        "calls": read_jsonl(adir / "model" / "calls.jsonl"),
    }
