"""Edit formats, as Aider has them: how a one-shot answer writes its change.

* ``search-replace``: search/replace blocks (:mod:`proctor.agent.edits`);
* ``whole-file``: the file's path, then the whole new file in one fenced block;
* ``function``: the path, then each changed function whole in a fenced block, spliced in by
  name (:mod:`proctor.agent.functions`);
* ``udiff``: a unified diff (``--- a/path``, ``+++ b/path``, ``@@`` hunks); line numbers in
  the ``@@`` lines are ignored, each hunk is found by its context and ``-`` lines.

Every format is read into :class:`~proctor.agent.edits.EditBlock` values, so all of them apply
the same way (exact, then whitespace-insensitive, then fuzzy) and fail with the same reasons.
Each format's instructions and example are the prompt ``edit_format_<name>.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

from proctor.agent.edits import (
    EditBlock,
    apply_blocks,
    parse_edit_blocks,
    safe_path,
)
from proctor.agent.errors import MalformedAnswer, UnsafePath
from proctor.agent.functions import fenced_blocks, parse_functions
from proctor.errors import ConfigError
from proctor.model import EDIT_FORMATS

DEFAULT_EDIT_FORMAT = "search-replace"

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_MINUS = re.compile(r"^---\s+(?:a/)?(\S+)")
_PLUS = re.compile(r"^\+\+\+\s+(?:b/)?(\S+)")
_HUNK = re.compile(r"^@@.*@@")


def check_format(name: str) -> str:
    """``name`` if it is an edit format.

    Raises:
        ConfigError: it is not (the message names the known ones).
    """
    if name not in EDIT_FORMATS:
        raise ConfigError(f"unknown edit format {name!r} (known: {', '.join(EDIT_FORMATS)})")
    return name


def parse_edits(text: str, edit_format: str, checkout: Path) -> list[EditBlock]:
    """The edits of an answer written in ``edit_format``, as edit blocks.

    ``checkout`` is read for the whole-file format (the old file becomes the SEARCH text).

    Raises:
        MalformedAnswer: the answer holds no edit in that format.
    """
    if edit_format == "whole-file":
        return [_whole(checkout, path, body) for path, body in parse_whole_files(text)]
    if edit_format == "udiff":
        return parse_udiff(text)
    if edit_format == "function":
        return parse_functions(text, checkout)
    return parse_edit_blocks(text)


def has_edits(text: str, edit_format: str) -> bool:
    """Whether ``text`` tries to write any edit in ``edit_format`` (well-formed or not)."""
    lines = text.splitlines()
    if edit_format in ("whole-file", "function"):
        return any(_FENCE.match(line) for line in lines)
    if edit_format == "udiff":
        return any(_HUNK.match(line) or _PLUS.match(line) for line in lines)
    return any(re.match(r"^\s*(<{5,9}|={5,9}\s*$|>{5,9})", line) for line in lines)


def parse_whole_files(text: str) -> list[tuple[str, str]]:
    """(path, content) of every fenced block right after a path line (or with the path on
    its fence line).

    Raises:
        MalformedAnswer: no such block, or one that is not closed.
    """
    found: list[tuple[str, str]] = []
    for path, body, open_fence, line in fenced_blocks(text):
        if open_fence is not None:
            raise MalformedAnswer(f"line {line}: a code block is not closed with {open_fence}")
        if path is not None:
            found.append((path, "".join(line + "\n" for line in body)))
    if not found:
        raise MalformedAnswer("no file found: write the file's path, then the whole file in ```")
    return found


def _whole(checkout: Path, path: str, body: str) -> EditBlock:
    """The block that turns the file at ``path`` into ``body``."""
    try:
        target = safe_path(checkout, path)
    except UnsafePath:
        return EditBlock(path, "", body)  # refused when applied, with the reason
    if not target.is_file():
        return EditBlock(path, "", body)
    return EditBlock(path, target.read_bytes().decode("utf-8", errors="replace"), body)


def parse_udiff(text: str) -> list[EditBlock]:
    """One edit block per hunk of a unified diff (context and ``-`` lines are the SEARCH).

    Raises:
        MalformedAnswer: no hunk, or a hunk before any ``+++`` line.
    """
    blocks: list[EditBlock] = []
    path: str | None = None
    search: list[str] = []
    replace: list[str] = []
    in_hunk = False

    def close() -> None:
        if in_hunk and path is not None and (search or replace):
            blocks.append(EditBlock(path, _text(search), _text(replace)))

    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        plus = _PLUS.match(line)
        if plus or (_MINUS.match(line) and not in_hunk):
            close()
            in_hunk, search, replace = False, [], []
            if plus:
                path = plus.group(1)
            continue
        if _HUNK.match(line):
            if path is None:
                raise MalformedAnswer(f"line {n}: a hunk before its +++ b/PATH line")
            close()
            in_hunk, search, replace = True, [], []
            continue
        if not in_hunk:
            continue
        if _FENCE.match(line):
            close()
            in_hunk = False
        elif line.startswith("-"):
            search.append(line[1:])
        elif line.startswith("+"):
            replace.append(line[1:])
        else:
            body = line[1:] if line.startswith(" ") else line
            search.append(body)
            replace.append(body)
    close()
    if not blocks:
        raise MalformedAnswer("no diff found (--- a/PATH, +++ b/PATH, @@ ... @@, then the lines)")
    return blocks


def _text(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "".join(line + "\n" for line in lines)


def apply_answer(answer: str, checkout: Path, edit_format: str) -> str:
    """Apply an answer's edits to ``checkout``; ``""`` when all applied, else why not."""
    try:
        blocks = parse_edits(answer, edit_format, checkout)
    except MalformedAnswer as exc:
        return f"malformed: {exc}"
    _, failed = apply_blocks(checkout, blocks)
    return "; ".join(f"{f} ({f.kind})" for f in failed)


__all__ = [
    "DEFAULT_EDIT_FORMAT",
    "EDIT_FORMATS",
    "apply_answer",
    "check_format",
    "has_edits",
    "parse_edits",
    "parse_udiff",
    "parse_whole_files",
]
