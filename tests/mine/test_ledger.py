"""The mining ledger: append-only, kill -9 safe, errors retried."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from proctor.mine.ledger import (
    MineEntry,
    ReportLog,
    finished,
    latest,
    reasons_table,
    verified_table,
)


def entry(sha: str, status: str = "dropped", stage: str = "verify", reason: str = "x") -> MineEntry:
    return MineEntry.model_validate(
        {"sha": sha, "stage": stage, "status": status, "reason": reason, "subject": "s"}
    )


def test_entries_round_trip(tmp_path: Path) -> None:
    log = ReportLog(tmp_path / "out" / "mine-report.jsonl")
    assert log.load() == []
    log.append(entry("a"), entry("b", "kept", reason=""))
    log.append(entry("c", "error"))
    assert [e.sha for e in log.load()] == ["a", "b", "c"]


def test_a_truncated_last_line_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "mine-report.jsonl"
    log = ReportLog(path)
    log.append(entry("a"), entry("b"))
    whole = path.read_text()
    path.write_text(whole + entry("c").model_dump_json()[:25])
    assert [e.sha for e in log.load()] == ["a", "b"]
    assert path.read_text() == whole
    log.append(entry("d"))
    assert [e.sha for e in log.load()] == ["a", "b", "d"]


def test_errors_are_not_finished_and_the_latest_entry_wins() -> None:
    entries = [entry("a", "error"), entry("b", "kept"), entry("c"), entry("a", "dropped")]
    assert finished(entries[:3]) == {"b", "c"}
    assert finished(entries) == {"a", "b", "c"}
    assert list(latest(entries)) == ["a", "b", "c"] and latest(entries)["a"].status == "dropped"


def test_tables_show_verified_rows_and_reason_counts() -> None:
    entries = [
        entry("1" * 40, "kept", reason=""),
        entry("2" * 40, reason="no FAIL_TO_PASS test"),
        entry("3" * 40, stage="screen", reason="no test change"),
        entry("4" * 40, stage="screen", reason="too many files: 9 > 6"),
        entry("5" * 40, stage="screen", reason="too many files: 7 > 6"),
    ]
    console = Console(width=200, record=True)
    console.print(verified_table(entries))
    console.print(reasons_table(entries))
    text = console.export_text()
    assert "1111111" in text and "2222222" in text and "3333333" not in text
    assert "│ too many files       │ 2 " in text


def test_the_public_api_is_pinned() -> None:
    import proctor.mine

    assert proctor.mine.__all__ == [
        "MAX_FILES",
        "REPORT_NAME",
        "CandidateCheck",
        "Commit",
        "Describe",
        "DirTree",
        "EnvironmentCheck",
        "FileChange",
        "FoundEnvironment",
        "FunctionInfo",
        "GitTree",
        "MineEntry",
        "MineOptions",
        "MineResult",
        "Proposal",
        "RepoEnvironments",
        "RepoTree",
        "ReportLog",
        "Screened",
        "SynthConfig",
        "SynthReport",
        "Verifier",
        "available_pythons",
        "chat_describer",
        "check_environment",
        "clean_message",
        "environments_for",
        "find_environment",
        "find_functions",
        "find_leak",
        "infer_environment",
        "isolated_prompt",
        "judge_runs",
        "mine",
        "parse_log",
        "propose_environment",
        "reasons_table",
        "rebuild_derived",
        "remove_body",
        "repo_name",
        "screen",
        "synthesize",
        "verified_table",
        "verify_here",
    ]
    assert all(hasattr(proctor.mine, name) for name in proctor.mine.__all__)
