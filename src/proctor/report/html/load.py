"""Reading run folders for the report, leniently: what is there is shown, what is not is said.

A report is asked for on folders in any state: a finished run, one still being written by
another process, one whose ``results.jsonl`` a kill cut mid-line, or a folder that is no run at
all. :func:`read_run` reads what it can and says what it could not (:attr:`RunFolder.problems`);
it raises only when the folder holds no run.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from proctor.errors import ConfigError
from proctor.run import RESULTS_FILE, AttemptResult
from proctor.spec import NEWER_SCHEMA

RUN_FILE = "run.json"
LOCK_FILE = ".run.lock"
MAX_TEXT = 400_000
"""Characters of one file shown on a page; the rest is cut, and the cut is said."""


@dataclass
class RunFolder:
    """One run folder as found on disk."""

    path: Path
    manifest: dict[str, Any]
    results: list[AttemptResult]
    problems: list[str] = field(default_factory=list)
    """What could not be read (a cut last line, lines that do not parse), one line each."""
    in_progress: bool = False
    """Another process holds the run folder: the run is still being written."""

    @property
    def model(self) -> str:
        """The model of the run (from the manifest, else from its results)."""
        found = self.manifest.get("model") or (self.results[0].model if self.results else "")
        return str(found)

    @property
    def suite(self) -> str:
        """The suite the run was made on, as recorded."""
        return str(self.manifest.get("suite", ""))


def read_run(path: Path) -> RunFolder:
    """The run in ``path``, with what could not be read said in ``problems``.

    Raises:
        ConfigError: ``path`` is not a folder, or holds neither ``results.jsonl`` nor
            ``run.json``; or a result was written by a newer proctor.
    """
    if not path.is_dir():
        raise ConfigError(f"{path}: not a folder")
    results_path, manifest_path = path / RESULTS_FILE, path / RUN_FILE
    if not results_path.is_file() and not manifest_path.is_file():
        raise ConfigError(f"{path}: not a run folder (no {RESULTS_FILE} or {RUN_FILE})")
    problems: list[str] = []
    manifest = _manifest(manifest_path, problems)
    results = _results(results_path, problems)
    return RunFolder(path, manifest, results, problems, _locked(path / LOCK_FILE))


def _manifest(path: Path, problems: list[str]) -> dict[str, Any]:
    if not path.is_file():
        problems.append(f"no {RUN_FILE}: the model and suite are taken from the results")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(f"{RUN_FILE} unreadable ({exc})")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{RUN_FILE} is not a JSON object")
        return {}
    return data


def _results(path: Path, problems: list[str]) -> list[AttemptResult]:
    """The newest result of every slot; the last line wins, as in the results store."""
    if not path.is_file():
        problems.append(f"no {RESULTS_FILE} yet: no attempt has finished")
        return []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{RESULTS_FILE} unreadable ({exc.strerror})")
        return []
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines:
        problems.append(
            f"{RESULTS_FILE} is truncated: its last line ({len(lines[-1])} bytes) is cut off "
            "and not shown"
        )
        lines.pop()
    done: dict[Any, AttemptResult] = {}
    bad: list[int] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            result = AttemptResult.model_validate_json(line)
        except ValidationError as exc:
            if any(e["type"] == NEWER_SCHEMA for e in exc.errors()):
                raise ConfigError(f"{path}:{n}: written by a newer proctor") from None
            bad.append(n)
            continue
        done[result.key.slot] = result
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (" ..." if len(bad) > 5 else "")
        problems.append(f"{len(bad)} line(s) of {RESULTS_FILE} do not parse (line {shown})")
    return list(done.values())


def _locked(path: Path) -> bool:
    """Whether another process holds the run folder's lock (the run is being written)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def read_text(path: Path, limit: int = MAX_TEXT) -> str | None:
    """The text of ``path`` (None when it is not there), cut at ``limit`` characters with the
    cut said on a last line."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            text = fh.read(limit + 1)
    except OSError:
        return None
    if len(text) > limit:
        size = path.stat().st_size
        return text[:limit] + f"\n[... cut: the file has {size} bytes, {limit} shown]"
    return text


def read_json(path: Path) -> Any:
    """Parsed JSON of ``path``; None when it is missing or does not parse."""
    text = read_text(path, limit=50_000_000)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON object lines of ``path`` that parse ([] when it is missing)."""
    text = read_text(path, limit=50_000_000)
    found: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found
