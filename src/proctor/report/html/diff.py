"""A unified diff as rows to show, each with its line numbers and the findings on it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class DiffRow:
    """One line of a diff: ``kind`` is file, hunk, add, del, ctx or meta."""

    kind: str
    text: str
    old: int | None = None
    new: int | None = None
    path: str = ""
    notes: list[str] = field(default_factory=list)
    """Findings on this line (``path:line: message``)."""


def diff_rows(diff: str) -> list[DiffRow]:
    """The rows of ``diff``, numbered on both sides; paths as the new side names them."""
    rows: list[DiffRow] = []
    old = new = 0
    path = ""
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            rows.append(DiffRow("file", line))
            continue
        if line.startswith("+++ "):
            target = line[4:].split("\t")[0]
            path = target[2:] if target.startswith("b/") else target
            rows.append(DiffRow("meta", line, path=path))
            continue
        if line.startswith("--- "):
            rows.append(DiffRow("meta", line))
            continue
        hunk = _HUNK.match(line)
        if hunk:
            old, new = int(hunk.group(1)), int(hunk.group(2))
            rows.append(DiffRow("hunk", line, path=path))
        elif line.startswith("+"):
            rows.append(DiffRow("add", line, None, new, path))
            new += 1
        elif line.startswith("-"):
            rows.append(DiffRow("del", line, old, None, path))
            old += 1
        elif line.startswith(" "):
            rows.append(DiffRow("ctx", line, old, new, path))
            old, new = old + 1, new + 1
        else:
            rows.append(DiffRow("meta", line, path=path))
    return rows


def place_findings(
    rows: Sequence[DiffRow], findings: Sequence[Mapping[str, object]]
) -> list[Mapping[str, object]]:
    """Attach every finding with a path and line to the diff row showing that new-side line.

    Returns:
        The findings that no row shows (a line the diff does not include, or no line).
    """
    where: dict[tuple[str, int | None], DiffRow] = {(r.path, r.new): r for r in rows if r.new}
    left: list[Mapping[str, object]] = []
    for finding in findings:
        row = where.get((str(finding.get("path", "")), _int(finding.get("line"))))
        if row is None:
            left.append(finding)
        else:
            row.notes.append(f"{finding.get('check')}: {finding.get('message')}")
    return left


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
