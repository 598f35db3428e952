"""Patches to grade: one patch file, or SWE-bench-style predictions (JSONL, one object per line
with instance_id, model_name_or_path and model_patch; a JSON array of such objects is read
too, as SWE-bench's harness does)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from proctor.errors import ConfigError


def patch_sha256(patch: str) -> str:
    """The key of a graded patch: sha256 of its text."""
    return hashlib.sha256(patch.encode("utf-8")).hexdigest()


def read_patch(path: Path) -> str:
    """The text of a patch file.

    Raises:
        ConfigError: it cannot be read, is binary (holds NUL bytes) or is not UTF-8.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if b"\0" in raw:
        raise ConfigError(f"{path}: a binary file, not a patch (unified diff text)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); a patch is text") from None


def read_predictions(path: Path) -> tuple[str, dict[str, str]]:
    """The model name and its patch per task id.

    Raises:
        ConfigError: the file cannot be read; a line (or the array) is not JSON; a row is not
            an object, lacks ``instance_id`` or ``model_patch`` (null is an empty patch), or
            repeats an ``instance_id``; it mixes several models.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    names: set[str] = set()
    patches: dict[str, str] = {}
    seen: dict[str, str] = {}
    for label, row in _rows(path, text):
        instance, patch = _fields(label, row)
        if instance in seen:
            raise ConfigError(f"{label}: instance_id {instance!r} repeats {seen[instance]}")
        seen[instance] = label
        names.add(str(row.get("model_name_or_path") or "predictions"))
        patches[instance] = patch
    if len(names) > 1:
        raise ConfigError(f"{path}: several models ({', '.join(sorted(names))}); one per file")
    return (names.pop() if names else "predictions"), patches


def _rows(path: Path, text: str) -> list[tuple[str, Any]]:
    """(where, parsed row) for each row of a JSONL file or a JSON array."""
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path}:{exc.lineno}: not a JSON array: {exc.msg}; "
                "give JSONL (one object per line) or one valid JSON array"
            ) from None
        return [(f"{path}[{i}]", row) for i, row in enumerate(rows)]
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append((f"{path}:{n}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{n}: not JSON: {exc.msg}") from None
    return items


def _fields(label: str, row: Any) -> tuple[str, str]:
    """``instance_id`` and ``model_patch`` of one row."""
    if not isinstance(row, dict):
        raise ConfigError(f"{label}: not a JSON object with instance_id and model_patch")
    instance = row.get("instance_id")
    if not isinstance(instance, str) or not instance:
        raise ConfigError(f"{label}: instance_id missing")
    if "model_patch" not in row:
        raise ConfigError(f"{label}: model_patch missing (null for no patch)")
    patch = row["model_patch"]
    if not isinstance(patch, str | None):
        raise ConfigError(f"{label}: model_patch is not a string")
    return instance, patch or ""
