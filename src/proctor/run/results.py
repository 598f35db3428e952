"""Attempt results and the run's results store.

A run folder holds one folder per attempt (patch, logs, JUnit XML, ``result.json``) and
``results.jsonl`` with one line per finished attempt. Results are versioned pydantic models whose
field order is part of the format. A result is written to its attempt folder first (atomic
rename), then appended to ``results.jsonl`` under a lock with fsync, so a run killed at any
instant loses nothing finished and, started again, neither redoes nor doubles an attempt.

An attempt is named by its :class:`~proctor.run.key.AttemptKey`. A slot can be recorded more than
once (an environment-error tried again, a changed patch graded again): the **last** line of a
slot in ``results.jsonl`` is its result, and its attempt folder holds that same newest try.
:func:`latest_results` is that rule, the only reader of ``results.jsonl``.

Versions: 1 is every result written before samples and rounds existed; 2 adds ``sample`` and
``round`` and refuses unknown fields (version 1 ignored them; its migration drops them); 3
adds ``temperature`` and ``seed`` (how the sample was drawn; a version 2 record did not say,
so they stay None), ``image_digest`` (the container image a docker attempt ran in; empty),
``feedback`` (how a feedback round was answered; '') and ``edits_first_try`` (edit-format
compliance; None).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from proctor.errors import ConfigError
from proctor.files import append_line, write_atomic
from proctor.grade import QualityReport
from proctor.run.key import AttemptKey
from proctor.spec import NEWER_SCHEMA, Migration, check_schema_version, migrate_record

RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
SCHEMA_VERSION: Literal[3] = 3
"""Version of :class:`AttemptResult` written now (see the module docstring)."""
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
    """One attempt of one task by one model.

    The field order is part of the format: new fields go at the end.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[3] = SCHEMA_VERSION
    task_id: str
    model: str
    outcome: Outcome
    resolved: bool
    holds_up: bool = False
    """Resolved, and clean: no deciding quality finding (``QualityReport.deciding``)."""
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
    quality: QualityReport | None = None
    """Every quality check with its findings; None where quality was not graded."""
    error_cause: ErrorCause | None = None
    """For an environment-error: infrastructure, the model's API, the task, or proctor itself."""
    tries: int = 1
    """How many times this attempt has been made (environment-errors are tried again)."""
    patch_sha256: str = ""
    """sha256 of the patch text graded by ``proctor grade``; a changed patch is graded again."""
    tests_not_found: list[str] = Field(default_factory=list)
    """Hidden test ids the test runner could not find (the task names tests that do not exist)."""
    sample: int = Field(0, ge=0)
    """Which sample of the task this is (see :class:`~proctor.run.key.AttemptKey`)."""
    round: int = Field(0, ge=0)
    """Which feedback round this is (see :class:`~proctor.run.key.AttemptKey`)."""
    image_digest: str = ""
    """The container image the attempt ran in (``sha256:...``); empty for a host venv."""
    temperature: float | None = None
    """Sampling temperature of the model's requests; None for a baseline or unknown."""
    seed: int | None = None
    """Sampling seed of the model's requests (one per sample); None for a baseline or unknown."""
    feedback: str = ""
    """For a feedback round: how the model answered it (:func:`proctor.run.feedback.classify`:
    repaired, revised-still-wrong, defended, conceded; for a challenge held,
    revised-still-right, caved); '' in round 0."""
    edits_first_try: bool | None = None
    """The model's first answer's edits parsed and all applied (edit-format compliance);
    None where it wrote none (CANNOT FIX, baselines) or never ran."""

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        return migrate_record(data, SCHEMA_VERSION, RESULT_MIGRATIONS)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _not_newer(cls, v: Any) -> Any:
        return check_schema_version(v, SCHEMA_VERSION)

    @property
    def key(self) -> AttemptKey:
        """The attempt this is the result of."""
        return AttemptKey(self.task_id, self.sample, self.round, self.patch_sha256)

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


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: drop what version 1 ignored (unknown fields); records written before
    ``error_cause`` existed get it from their message."""
    record = {k: v for k, v in data.items() if k in AttemptResult.model_fields}
    if (
        record.get("outcome") == Outcome.ENVIRONMENT_ERROR.value
        and record.get("error_cause") is None
    ):
        message = str(record.get("message", ""))
        cause = ErrorCause.INFRASTRUCTURE
        if message.startswith("model error:"):
            cause = ErrorCause.MODEL_API
        elif message.startswith("internal error:"):
            cause = ErrorCause.INTERNAL
        record["error_cause"] = cause.value
    return record


def _from_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 -> 3: nothing to change (``temperature`` and ``seed`` were not recorded)."""
    return data


RESULT_MIGRATIONS: dict[int, Migration] = {1: _from_v1, 2: _from_v2}
"""Steps from each older version of :class:`AttemptResult` to the next."""


class ResultsStore:
    """The finished results of one run folder, safe against kill -9 at any point."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / RESULTS_FILE

    def claim(self, model: str, suite: str, options: Mapping[str, object] | None = None) -> None:
        """Create the run folder for ``model`` on ``suite``, or check an existing one is for
        the same model and suite; ``options`` (how this run is made: agent, retriever, budgets,
        sandbox...) are recorded in the manifest beside them, the latest run's replacing the
        earlier ones, for reports to show.

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
            if not options:
                return
        record = {**{str(k): v for k, v in (options or {}).items()}, "model": model, "suite": suite}
        write_atomic(manifest, json.dumps(record, indent=2, default=str) + "\n")

    def finished(self) -> dict[AttemptKey, AttemptResult]:
        """The newest result in every slot (:attr:`AttemptKey.slot`), after repairing what a
        kill may have left.

        An attempt folder's ``result.json`` is written before its line, so one that differs
        from its slot's last line is newer (the kill came in between): it is appended.
        """
        with self._locked():
            done = self._read_lines()
            for result_file in sorted(self.run_dir.glob("*/result.json")):
                result = _read_result(result_file)
                if result is not None and not _same(done.get(result.key.slot), result):
                    self._append(result)
                    done[result.key.slot] = result
        return done

    def record(self, result: AttemptResult, attempt_dir: Path) -> None:
        """Persist one finished attempt (attempt folder first, then results.jsonl).

        Recording the same result twice writes one line; a new try in a slot adds a line,
        which from then on is the slot's result.
        """
        write_atomic(attempt_dir / "result.json", result.model_dump_json(indent=2) + "\n")
        with self._locked():
            if not _same(self._read_lines().get(result.key.slot), result):
                self._append(result)

    def _read_lines(self) -> dict[AttemptKey, AttemptResult]:
        if not self.path.exists():
            return {}
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            # A kill mid-append left half a line: drop it; its result.json brings it back.
            keep = raw[: raw.rfind(b"\n") + 1]
            with self.path.open("r+b") as fh:
                fh.truncate(len(keep))
            raw = keep
        return latest_results(raw.decode("utf-8", errors="replace"), source=str(self.path))

    def _append(self, result: AttemptResult) -> None:
        append_line(self.path, result.model_dump_json())

    def _locked(self) -> _Lock:
        return _Lock(self.run_dir / ".results.lock")


def latest_results(text: str, source: str = RESULTS_FILE) -> dict[AttemptKey, AttemptResult]:
    """The result in every slot of ``results.jsonl`` text: the slot's **last** valid line wins.

    A slot gets a second line when it is attempted again (an environment-error retried on
    resume, a changed patch graded again), so the last line is the newest try. Lines that do
    not parse (half written by a kill) are skipped; lines of an older version are migrated.
    Slots keep the order of their first line.

    Raises:
        ConfigError: a line was written by a newer proctor (its ``schema_version`` is above
            :data:`SCHEMA_VERSION`), naming ``source`` and the line.
    """
    done: dict[AttemptKey, AttemptResult] = {}
    for n, line in enumerate(text.splitlines(), 1):
        try:
            result = AttemptResult.model_validate_json(line)
        except ValidationError as exc:
            _refuse_newer(exc, f"{source}:{n}")
            continue
        done[result.key.slot] = result
    return done


def read_results(run_dir: Path) -> list[AttemptResult]:
    """The newest result in every slot of a run folder, read as the store reads them.

    Raises:
        ConfigError: the folder has no readable ``results.jsonl``, or a line of it is newer
            than this proctor reads.
    """
    path = run_dir / RESULTS_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read results ({exc.strerror})") from None
    return list(latest_results(text, source=str(path)).values())


def _refuse_newer(exc: ValidationError, where: str) -> None:
    for error in exc.errors():
        if error["type"] == NEWER_SCHEMA:
            raise ConfigError(f"{where}: schema_version {error['msg']}") from None


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
    """The result in an attempt folder; None when it is unreadable or half written.

    Raises:
        ConfigError: it was written by a newer proctor.
    """
    try:
        return AttemptResult.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError:
        return None
    except ValidationError as exc:
        _refuse_newer(exc, str(path))
        return None
