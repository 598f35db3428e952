"""The mining ledger: one JSON line per candidate commit, kept or dropped and why.

``<out>/mine-report.jsonl`` is append-only and fsynced line by line, so a mine killed at any
moment loses at most the line being written; a truncated last line is cut off when the file is
opened again. Commits with a final verdict (kept or dropped) are skipped by a rerun;
infrastructure errors are tried again.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.table import Table

REPORT_NAME = "mine-report.jsonl"

Status = Literal["kept", "dropped", "error"]
Stage = Literal["screen", "verify"]


class MineEntry(BaseModel):
    """What became of one commit. Field order is part of the format."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: Literal[1] = 1
    sha: str = Field(description="The commit (the merge, for a merged pull request).")
    base: str = Field("", description="The commit it was compared with (its first parent).")
    date: str = Field("", description="Committer date.")
    subject: str = Field("", description="First line of the commit message.")
    stage: Stage = Field(description="screen: judged from the log; verify: tests were run.")
    status: Status = Field(description="kept, dropped, or error (infrastructure; retried).")
    reason: str = Field("", description="Why it was dropped, or what failed.")
    task_id: str | None = Field(None, description="The task written for a kept commit.")
    fail_to_pass: int = Field(0, description="FAIL_TO_PASS tests found.")
    pass_to_pass: int = Field(0, description="PASS_TO_PASS tests found.")
    flaky: list[str] = Field(default_factory=list, description="Tests left out as flaky.")
    statement_source: str = Field("", description="Where the problem statement came from.")
    notes: list[str] = Field(default_factory=list, description="Anything else worth knowing.")
    seconds: float = Field(0.0, description="Time spent verifying it.")

    @property
    def finished(self) -> bool:
        """Whether a rerun may skip this commit."""
        return self.status != "error"


class ReportLog:
    """The append-only report file; safe to append from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> list[MineEntry]:
        """Every entry in the file, after cutting off a truncated last line.

        Lines that do not parse are skipped (a truncated line can only be the last).
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with self.path.open("r+b") as fh:
                fh.truncate(cut)
            data = data[:cut]
        entries: list[MineEntry] = []
        for line in data.decode("utf-8", "replace").splitlines():
            try:
                entries.append(MineEntry.model_validate(json.loads(line)))
            except (ValueError, ValidationError):
                continue
        return entries

    def append(self, *entries: MineEntry) -> None:
        """Write entries, a line each, with one fsync (under a lock, also across processes)."""
        if not entries:
            return
        text = "".join(entry.model_dump_json() + "\n" for entry in entries)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)


def latest(entries: Iterable[MineEntry]) -> dict[str, MineEntry]:
    """The last entry of each commit, in order of first appearance."""
    out: dict[str, MineEntry] = {}
    for entry in entries:
        out[entry.sha] = entry
    return out


def finished(entries: Iterable[MineEntry]) -> set[str]:
    """Commits whose latest entry is a final verdict."""
    return {sha for sha, e in latest(entries).items() if e.finished}


def verified_table(entries: Sequence[MineEntry]) -> Table:
    """A row per verified candidate: verdict, tests found, and the reason."""
    table = Table("commit", "subject", "verdict", "F2P", "P2P", "reason / task", title="Mined")
    style = {"kept": "green", "dropped": "yellow", "error": "red"}
    for e in entries:
        if e.stage != "verify":
            continue
        verdict = f"[{style[e.status]}]{e.status}[/]"
        detail = e.task_id if e.status == "kept" and e.task_id else e.reason
        table.add_row(
            e.sha[:7], e.subject[:50], verdict, str(e.fail_to_pass), str(e.pass_to_pass), detail
        )
    return table


def reasons_table(entries: Sequence[MineEntry]) -> Table:
    """How many commits ended each way, by stage and reason (reasons cut at the colon)."""
    counts = Counter((e.stage, e.status, e.reason.split(":", 1)[0]) for e in entries)
    table = Table("stage", "status", "reason", "commits", title="Summary")
    for (stage, status, reason), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(stage, status, reason or "-", str(n))
    return table
