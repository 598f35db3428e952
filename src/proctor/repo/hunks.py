"""One file's part of a unified diff as hunks: the text it makes, the lines it adds, and
diffs made anew (one hunk left out, or another new text against the same old one).

Pure functions on text. Lines keep their ends and are split on "\\n" only, as git does, so
a form feed or a lone "\\r" inside a line stays content; a last line without "\\n" is what a
diff marks with ``\\ No newline at end of file``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file\n"


def text_lines(text: str) -> list[str]:
    """``text`` as lines with their ends, split on "\\n" only."""
    parts = [part + "\n" for part in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    return parts if parts[-1] else parts[:-1]


@dataclass(frozen=True)
class Hunk:
    """One ``@@`` hunk: where it sits on each side and its lines (with their ends)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    context: str
    """What follows the second ``@@`` (git's function name), with the line end."""
    body: tuple[str, ...]

    @property
    def text(self) -> str:
        """The hunk as a diff holds it."""
        old, new = f"{self.old_start},{self.old_count}", f"{self.new_start},{self.new_count}"
        return f"@@ -{old} +{new} @@{self.context}" + "".join(self.body)

    @property
    def first_changed(self) -> int:
        """The line number (in the new text) where the hunk's first added or removed line is."""
        number = self.new_start
        for tag, _ in self.lines():
            if tag != " ":
                break
            number += 1
        return number

    def lines(self) -> Iterator[tuple[str, str]]:
        """(tag, line) of each line: tag ' ', '-' or '+'; a line followed by the
        no-newline marker loses its "\\n", as it is in the file."""
        for index, line in enumerate(self.body):
            if line.startswith("\\"):
                continue
            tag, text = (" ", line) if line[:1] in {"\n", "\r"} else (line[:1], line[1:])
            ends = index + 1 < len(self.body) and self.body[index + 1].startswith("\\")
            yield tag, text.removesuffix("\n") if ends else text


@dataclass(frozen=True)
class FileDiff:
    """A file's part of a diff: its header lines (``diff --git``, ``---``, ``+++`` ...), then
    its hunks."""

    head: str
    hunks: tuple[Hunk, ...]

    @property
    def text(self) -> str:
        """The file's part of the diff."""
        return self.head + "".join(hunk.text for hunk in self.hunks)


def parse_file_diff(section: str) -> FileDiff:
    """Read one file's part of a unified diff (as :func:`file_sections` gives it).

    Lines after the last hunk's counts are used up (a mail signature, say) are left out.
    """
    head: list[str] = []
    hunks: list[Hunk] = []
    lines = text_lines(section)
    index = 0
    while index < len(lines):
        match = _HUNK.match(lines[index])
        if match is None:
            if not hunks:
                head.append(lines[index])
            index += 1
            continue
        old_start, old_count, new_start, new_count = (
            int(g) if g is not None else 1 for g in match.groups()
        )
        context = lines[index][match.end() :]
        body, index = _body(lines, index + 1, old_count, new_count)
        hunks.append(Hunk(old_start, old_count, new_start, new_count, context, tuple(body)))
    return FileDiff("".join(head), tuple(hunks))


def _body(lines: list[str], index: int, old: int, new: int) -> tuple[list[str], int]:
    """A hunk's lines from ``index`` on, given its counts; and the index after them."""
    body: list[str] = []
    while index < len(lines) and (old > 0 or new > 0 or lines[index].startswith("\\")):
        line = lines[index]
        tag = line[:1]
        if tag not in {" ", "-", "+", "\\", "\n", "\r"}:
            break
        old -= tag in {" ", "-", "\n", "\r"}
        new -= tag in {" ", "+", "\n", "\r"}
        body.append(line)
        index += 1
    return body, index


def text_after(base: str, diff: FileDiff) -> str | None:
    """The text ``diff`` makes of ``base``, applied exactly (no fuzz, no offsets); ``None``
    when a context or removed line is not where the diff says."""
    old = text_lines(base)
    out: list[str] = []
    pos = 0
    for hunk in diff.hunks:
        start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        if not pos <= start <= len(old):
            return None
        out += old[pos:start]
        pos = start
        for tag, line in hunk.lines():
            if tag in {" ", "-"}:
                if pos >= len(old) or old[pos] != line:
                    return None
                pos += 1
            if tag in {" ", "+"}:
                out.append(line)
    return "".join(out + old[pos:])


def added_lines(diff: FileDiff) -> frozenset[int]:
    """Line numbers (from 1, in the new text) of the lines ``diff`` adds."""
    added: set[int] = set()
    for hunk in diff.hunks:
        number = hunk.new_start
        for tag, _ in hunk.lines():
            if tag == "+":
                added.add(number)
            number += tag in {" ", "+"}
    return frozenset(added)


def without_hunk(diff: FileDiff, index: int) -> str:
    """``diff``'s text without hunk ``index`` (the later hunks' new lines moved up or down
    to match); ``""`` when it was the only hunk."""
    dropped = diff.hunks[index]
    shift = dropped.new_count - dropped.old_count
    kept = [
        hunk if i < index else replace(hunk, new_start=hunk.new_start - shift)
        for i, hunk in enumerate(diff.hunks)
        if i != index
    ]
    return FileDiff(diff.head, tuple(kept)).text if kept else ""


def _range(start: int, stop: int) -> str:
    """A hunk side's ``START,COUNT`` from 0-based line indexes, as diff writes it."""
    count = stop - start
    return f"{start + 1 if count else start},{count}"


def _line(tag: str, line: str) -> str:
    return f"{tag}{line}" if line.endswith("\n") else f"{tag}{line}\n{_NO_NEWLINE}"


def rediff(head: str, old: str, new: str, context: int = 3) -> str:
    """A file's part of a diff from ``old`` to ``new`` under the header lines ``head`` (whose
    ``index`` line, naming blobs the new text is not, is left out); ``""`` when equal."""
    a, b = text_lines(old), text_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunks.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunks += (_line(" ", line) for line in a[i1:i2])
                continue
            hunks += (_line("-", line) for line in a[i1:i2])
            hunks += (_line("+", line) for line in b[j1:j2])
    if not hunks:
        return ""
    kept = [line for line in text_lines(head) if not line.startswith("index ")]
    return "".join(kept + hunks)
