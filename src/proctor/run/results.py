"""Attempt results and the run's results store.

A run folder holds one folder per attempt (patch, logs, JUnit XML, ``result.json``) and
``results.jsonl`` with one line per finished task. Results are versioned pydantic models whose
field order is part of the format. A result is written to its attempt folder first (atomic
rename), then appended to ``results.jsonl`` under a lock with fsync, so a run killed at any
instant loses nothing finished and, started again, neither redoes nor doubles a task.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from proctor.errors import ConfigError
from proctor.files import append_line, write_atomic

RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"


class Outcome(str, Enum):
    """Exactly one per attempt."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    PATCH_FAILED = "patch-failed"
    ENVIRONMENT_ERROR = "environment-error"
    TIMEOUT = "timeout"
    TAMPERED = "tampered"
    """The verdict's own integrity was attacked (evidence in ``integrity``); never resolved."""


class AttemptResult(BaseModel):
    """One task attempted by one model."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = 1
    task_id: str
    model: str
    outcome: Outcome
    resolved: bool
    holds_up: bool = False
    """Resolved, and clean: no new lint error, no convention departure, no tampering."""
    f2p_passed: int = 0
    f2p_total: int = 0
    p2p_passed: int = 0
    p2p_total: int = 0
    message: str = ""
    durations: dict[str, float] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime
    sandbox: str = ""
    model_status: str = ""
    confidence: float | None = None
    restored: list[str] = Field(default_factory=list)
    tests: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    integrity: list[str] = Field(default_factory=list)
    """Evidence that the verdict was attacked (why the outcome is tampered)."""
    canaries: int = 0
    """Canary tests run beside the hidden tests."""
    quality: dict[str, Any] | None = None
    """Every quality check with its findings (lint, format, conventions, hygiene, security)."""


class ResultsStore:
    """The finished results of one run folder, safe against kill -9 at any point."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / RESULTS_FILE

    def claim(self, model: str, suite: str) -> None:
        """Create the run folder for ``model``, or check an existing one is for the same model.

        Raises:
            ConfigError: the folder holds a run of another model.
        """
        self.run_dir.mkdir(parents=True, exist_ok=True)
        manifest = self.run_dir / RUN_FILE
        if manifest.exists():
            found = json.loads(manifest.read_text(encoding="utf-8")).get("model")
            if found != model:
                raise ConfigError(
                    f"{self.run_dir}: holds a run of model {found!r}, not {model!r}; "
                    "use another --run-dir"
                )
            return
        write_atomic(manifest, json.dumps({"model": model, "suite": suite}, indent=2) + "\n")

    def finished(self) -> dict[str, AttemptResult]:
        """Results already recorded, after repairing what a kill may have left."""
        with self._locked():
            done = self._read_lines()
            for result_file in sorted(self.run_dir.glob("*/result.json")):
                result = _read_result(result_file)
                if result is not None and result.task_id not in done:
                    self._append(result)
                    done[result.task_id] = result
        return done

    def record(self, result: AttemptResult, attempt_dir: Path) -> None:
        """Persist one finished attempt (attempt folder first, then results.jsonl)."""
        write_atomic(attempt_dir / "result.json", result.model_dump_json(indent=2) + "\n")
        with self._locked():
            if result.task_id not in self._read_lines():
                self._append(result)

    def _read_lines(self) -> dict[str, AttemptResult]:
        if not self.path.exists():
            return {}
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            # A kill mid-append left half a line: drop it; its result.json brings it back.
            keep = raw[: raw.rfind(b"\n") + 1]
            with self.path.open("r+b") as fh:
                fh.truncate(len(keep))
            raw = keep
        done: dict[str, AttemptResult] = {}
        for line in raw.decode("utf-8", errors="replace").splitlines():
            try:
                result = AttemptResult.model_validate_json(line)
            except ValidationError:
                continue
            done.setdefault(result.task_id, result)
        return done

    def _append(self, result: AttemptResult) -> None:
        append_line(self.path, result.model_dump_json())

    def _locked(self) -> _Lock:
        return _Lock(self.run_dir / ".results.lock")


class _Lock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _read_result(path: Path) -> AttemptResult | None:
    try:
        return AttemptResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None
