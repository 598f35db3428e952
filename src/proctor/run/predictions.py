"""SWE-bench-style predictions: one JSON object per line with instance_id,
model_name_or_path and model_patch."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.errors import ConfigError


def read_predictions(path: Path) -> tuple[str, dict[str, str]]:
    """The model name and its patch per task id.

    Raises:
        ConfigError: the file cannot be read, a line is not JSON or lacks a field, or it mixes
            several models.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    stripped = text.strip()
    if stripped.startswith("["):
        rows = json.loads(stripped)
        items = [(f"{path}[{i}]", row) for i, row in enumerate(rows)]
    else:
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"{path}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{n}: not JSON: {exc.msg}") from None
    names: set[str] = set()
    patches: dict[str, str] = {}
    for label, row in items:
        for key in ("instance_id", "model_patch"):
            if not isinstance(row, dict) or not isinstance(row.get(key), str | None):
                raise ConfigError(f"{label}: {key} missing")
            if key == "instance_id" and not row.get(key):
                raise ConfigError(f"{label}: instance_id missing")
        names.add(str(row.get("model_name_or_path") or "predictions"))
        patches[row["instance_id"]] = row.get("model_patch") or ""
    if len(names) > 1:
        raise ConfigError(f"{path}: several models ({', '.join(sorted(names))}); one per file")
    return (names.pop() if names else "predictions"), patches
