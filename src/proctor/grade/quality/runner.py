"""Calling ruff: where its binary is, running it, and the table of its rules.

ruff is a dependency of proctor (its wheel ships the binary); the one on PATH is the fallback.
"""

from __future__ import annotations

import functools
import importlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

_TIMEOUT_S = 300


class RuffError(RuntimeError):
    """ruff exited with an error (bad configuration, crash, timeout)."""


@functools.lru_cache(maxsize=1)
def ruff_bin() -> str:
    """Path of the ruff binary of the ``ruff`` package, else the one on PATH."""
    try:
        module = importlib.import_module("ruff.__main__")
        return str(module.find_ruff_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("ruff")
        if found is None:
            raise RuffError("ruff is not installed") from None
        return found


def run_ruff(args: Sequence[str], cwd: Path, stdin: str | None = None) -> str:
    """Run ruff and return its stdout.

    Raises:
        RuffError: ruff exited with status 2 or more, or timed out.
    """
    try:
        proc = subprocess.run(
            [ruff_bin(), *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuffError(f"ruff timed out after {_TIMEOUT_S}s") from exc
    if proc.returncode not in (0, 1):
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        raise RuffError(" | ".join(lines[-3:]) or f"ruff exited {proc.returncode}")
    return proc.stdout


@functools.lru_cache(maxsize=1)
def rule_table() -> dict[str, tuple[str, bool]]:
    """Every ruff rule code -> (its linter's prefix, whether it is preview-only)."""
    cwd = Path(tempfile.gettempdir())
    rules = json.loads(run_ruff(["rule", "--all", "--output-format", "json"], cwd))
    linters = json.loads(run_ruff(["linter", "--output-format", "json"], cwd))
    prefix_of = {item["name"]: item["prefix"] for item in linters}
    table: dict[str, tuple[str, bool]] = {}
    for rule in rules:
        code = rule.get("code")
        if code:
            prefix = prefix_of.get(rule.get("linter"), "") or code[0]
            table[code] = (prefix, bool(rule.get("preview")))
    return table
