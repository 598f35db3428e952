"""Attempt results and the run's results store.

A run folder holds one folder per attempt (patch, logs, JUnit XML, ``result.json``) and
``results.jsonl`` with one line per finished task. Results are versioned pydantic models whose
field order is part of the format. A result is written to its attempt folder first (atomic
rename), then appended to ``results.jsonl`` under a lock with fsync, so a run killed at any
instant loses nothing finished and, started again, neither redoes nor doubles a task.

An attempt can be recorded more than once (an environment-error tried again, a changed patch
graded again): the **last** line of a task in ``results.jsonl`` is its result, and its
attempt folder holds that same newest try.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from proctor.errors import ConfigError
from proctor.files import append_line, write_atomic

RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
MAX_TRIES = 3
"""Tries of an attempt that keeps ending in an infrastructure environment-error: a resumed run
attempts it again at most twice."""


class Outcome(str, Enum):
    """Exactly one per attempt."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    PATCH_FAILED = "patch-failed"
    ENVIRONMENT_ERROR = "environment-error"
    TIMEOUT = "timeout"
    TAMPERED = "tampered"
    """The verdict's own integrity was attacked (evidence in ``integrity``); never resolved."""


class ErrorCause(str, Enum):
    """Why an attempt ended in ``environment-error``; it decides whether a resume retries it."""

    INFRASTRUCTURE = "infrastructure"
    """The repository, the environment build or the sandbox failed: retried on resume."""
    MODEL_API = "model-api"
    """The model's API failed past its retries: retried only with ``--retry-errors`` (money)."""
    TASK = "task"
    """The task itself is broken (a hidden test id that does not exist): not retried."""
    INTERNAL = "internal"
    """A bug of proctor's (its trace is in the attempt's ``error.log``): not retried."""


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
    error_cause: ErrorCause | None = None
    """For an environment-error: infrastructure, the model's API, the task, or proctor itself."""
    tries: int = 1
    """How many times this attempt has been made (environment-errors are tried again)."""
    patch_sha256: str = ""
    """sha256 of the patch text graded by ``proctor grade``; a changed patch is graded again."""
    tests_not_found: list[str] = Field(default_factory=list)
    """Hidden test ids the test runner could not find (the task names tests that do not exist)."""

    @model_validator(mode="before")
    @classmethod
    def _cause_of_old_records(cls, data: Any) -> Any:
        """Records written before ``error_cause`` existed: read it off the message."""
        if (
            isinstance(data, dict)
            and data.get("outcome") == Outcome.ENVIRONMENT_ERROR.value
            and data.get("error_cause") is None
        ):
            message = str(data.get("message", ""))
            cause = ErrorCause.INFRASTRUCTURE
            if message.startswith("model error:"):
                cause = ErrorCause.MODEL_API
            elif message.startswith("internal error:"):
                cause = ErrorCause.INTERNAL
            data = {**data, "error_cause": cause.value}
        return data

    def retryable(self, *, retry_errors: bool = False) -> bool:
        """Whether a resumed run attempts this again.

        Infrastructure environment-errors are tried again until :data:`MAX_TRIES`; with
        ``retry_errors`` every environment-error is (model API failures cost money, so only
        on request).
        """
        if self.outcome is not Outcome.ENVIRONMENT_ERROR:
            return False
        if retry_errors:
            return True
        return self.error_cause is ErrorCause.INFRASTRUCTURE and self.tries < MAX_TRIES


class ResultsStore:
    """The finished results of one run folder, safe against kill -9 at any point."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / RESULTS_FILE

    def claim(self, model: str, suite: str) -> None:
        """Create the run folder for ``model`` on ``suite``, or check an existing one is for
        the same model and suite.

        Raises:
            ConfigError: the folder cannot be made, or holds a run of another model or suite.
        """
        make_run_dir(self.run_dir)
        manifest = self.run_dir / RUN_FILE
        if manifest.exists():
            try:
                found = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{manifest}: unreadable run manifest ({exc})") from None
            if not isinstance(found, dict):
                raise ConfigError(f"{manifest}: not a run manifest (a JSON object)")
            found_model, found_suite = found.get("model"), str(found.get("suite", ""))
            if found_model != model or not _same_suite(found_suite, suite):
                raise ConfigError(
                    f"{self.run_dir}: holds a run of model {found_model!r} on suite "
                    f"{found_suite!r}, not model {model!r} on suite {suite!r}; "
                    "use another --run-dir"
                )
            return
        write_atomic(manifest, json.dumps({"model": model, "suite": suite}, indent=2) + "\n")

    def finished(self) -> dict[str, AttemptResult]:
        """The newest result of every task, after repairing what a kill may have left.

        An attempt folder's ``result.json`` is written before its line, so one that differs
        from the task's last line is newer (the kill came in between): it is appended.
        """
        with self._locked():
            done = self._read_lines()
            for result_file in sorted(self.run_dir.glob("*/result.json")):
                result = _read_result(result_file)
                if result is not None and not _same(done.get(result.task_id), result):
                    self._append(result)
                    done[result.task_id] = result
        return done

    def record(self, result: AttemptResult, attempt_dir: Path) -> None:
        """Persist one finished attempt (attempt folder first, then results.jsonl).

        Recording the same result twice writes one line; a new try of a task adds a line,
        which from then on is the task's result.
        """
        write_atomic(attempt_dir / "result.json", result.model_dump_json(indent=2) + "\n")
        with self._locked():
            if not _same(self._read_lines().get(result.task_id), result):
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
        return latest_results(raw.decode("utf-8", errors="replace"))

    def _append(self, result: AttemptResult) -> None:
        append_line(self.path, result.model_dump_json())

    def _locked(self) -> _Lock:
        return _Lock(self.run_dir / ".results.lock")


def latest_results(text: str) -> dict[str, AttemptResult]:
    """Each task's result in ``results.jsonl`` text: its **last** valid line wins.

    A task gets a second line when it is attempted again (an environment-error retried on
    resume, a changed patch graded again), so the last line is the newest try. Lines that do
    not parse (half written by a kill) are skipped. Tasks keep the order of their first line.
    """
    done: dict[str, AttemptResult] = {}
    for line in text.splitlines():
        try:
            result = AttemptResult.model_validate_json(line)
        except ValidationError:
            continue
        done[result.task_id] = result
    return done


def make_run_dir(run_dir: Path) -> None:
    """Create ``run_dir`` (and its parents) if needed.

    Raises:
        ConfigError: it is a file, lies under a file, or cannot be created.
    """
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"{run_dir}: is a file, not a run folder") from None
    except NotADirectoryError:
        raise ConfigError(f"{run_dir}: a part of the path is a file, not a folder") from None
    except OSError as exc:
        raise ConfigError(f"{run_dir}: cannot create the run folder ({exc.strerror})") from None


def _same(recorded: AttemptResult | None, result: AttemptResult) -> bool:
    return recorded is not None and recorded.model_dump_json() == result.model_dump_json()


def _same_suite(recorded: str, given: str) -> bool:
    """The same suite path, as written or once resolved from here."""
    if recorded == given:
        return True
    return bool(recorded and given) and Path(recorded).resolve() == Path(given).resolve()


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
