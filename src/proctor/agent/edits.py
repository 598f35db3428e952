"""Search/replace edit blocks (aider-style): read them out of an answer, apply them to a checkout.

An answer holds any number of blocks, each after the path of its file::

    path/to/file.py
    <<<<<<< SEARCH
    old lines
    =======
    new lines
    >>>>>>> REPLACE

An empty SEARCH on a missing file creates it. A block is applied exactly if it can be; else with
each line's leading and trailing whitespace ignored (the replacement re-indented by how far the
found lines are indented from the quoted ones); else fuzzily, to the one window of lines that is
at least ``threshold`` similar. Each applied block says which of these it took.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path, PurePosixPath

from proctor.agent.errors import EditNotApplied, MalformedAnswer, UnsafePath

THRESHOLD = 0.9
"""Least similarity (difflib ratio over stripped lines) a fuzzy match needs."""
HINT_THRESHOLD = 0.5
"""Least similarity of the closest lines shown back when a SEARCH is not found."""

_SEARCH = re.compile(r"^\s*<{5,9}\s*SEARCH\s*$", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9}\s*REPLACE\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,})(.*)$")
_PATHLIKE = re.compile(r"[\w.\-/+@~]+")
_BACKTICKED = re.compile(r"`([^`\s]+)`")


@dataclass(frozen=True)
class EditBlock:
    """One change to one file."""

    path: str
    """Relative to the checkout, as the model wrote it."""
    search: str
    """Lines to find (empty: create the file)."""
    replace: str
    """Lines that take their place."""


@dataclass(frozen=True)
class Applied:
    """How one block applied."""

    path: str
    how: str
    """``exact``, ``whitespace``, ``fuzzy``, ``created`` or ``already-applied`` (the SEARCH
    text is gone and the REPLACE text is there: a block sent twice)."""
    score: float = 1.0
    """Similarity of the lines replaced to the SEARCH text (below 1 only when fuzzy)."""


def parse_edit_blocks(text: str) -> list[EditBlock]:
    """The edit blocks of an answer, in order; a block without a path reuses the previous one.

    Raises:
        MalformedAnswer: no blocks, an unterminated block, or a first block without a path.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[EditBlock] = []
    path: str | None = None
    start = i = 0
    while i < len(lines):
        if not _SEARCH.match(lines[i]):
            i += 1
            continue
        path = path_before(lines[start:i]) or path
        if path is None:
            raise MalformedAnswer(
                f"line {i + 1}: an edit block has no file path; write the path on the line "
                "right before <<<<<<< SEARCH"
            )
        search, i = _section(lines, i + 1, _DIVIDER, "=======", path)
        replace, i = _section(lines, i, _REPLACE, ">>>>>>> REPLACE", path)
        blocks.append(EditBlock(path, search, replace))
        start = i
    if not blocks:
        if any(_REPLACE.match(line) or _DIVIDER.match(line) for line in lines):
            raise MalformedAnswer("found ======= or >>>>>>> REPLACE without <<<<<<< SEARCH")
        raise MalformedAnswer("no edit blocks found (<<<<<<< SEARCH ... >>>>>>> REPLACE)")
    return blocks


def _section(
    lines: list[str], i: int, end: re.Pattern[str], name: str, path: str
) -> tuple[str, int]:
    """Lines from ``i`` up to the ``end`` marker, and the index after it."""
    body: list[str] = []
    for j in range(i, len(lines)):
        if end.match(lines[j]):
            return "".join(line + "\n" for line in body), j + 1
        if _SEARCH.match(lines[j]) or (end is _DIVIDER and _REPLACE.match(lines[j])):
            raise MalformedAnswer(f"line {j + 1}: edit block for {path} is missing {name}")
        body.append(lines[j])
    raise MalformedAnswer(f"edit block for {path} is unterminated: missing {name}")


def path_before(lines: Sequence[str]) -> str | None:
    """The path named right before a block: on a fence line, or the nearest line of text."""
    for line in reversed(lines):
        if not line.strip():
            continue
        fence = _FENCE.match(line)
        if fence is None:
            return _as_path(line)
        for token in fence.group(1).replace(":", " ").split():
            if _is_path(token):
                return token
    return None


def _as_path(line: str) -> str | None:
    """``line`` as a path: bare, decorated (``**a.py**``, ``### a.py``, ``a.py:``), backticked."""
    bare = line.strip().strip("#*` ").rstrip(":").strip("*` ")
    if _is_path(bare):
        return bare
    quoted: list[str] = [t for t in _BACKTICKED.findall(line) if _is_path(t)]
    if quoted:
        return quoted[-1]
    if ":" in bare:
        tail = bare.rsplit(":", 1)[1].strip().strip("*` ")
        if _is_path(tail):
            return tail
    return None


def _is_path(token: str) -> bool:
    return bool(
        _PATHLIKE.fullmatch(token) and re.search(r"[./]", token) and set(token) - {".", "/"}
    )


def safe_path(checkout: Path, rel: str) -> Path:
    """``checkout / rel``, provided it stays inside the checkout and out of ``.git``.

    Raises:
        UnsafePath: an absolute path, ``..``, ``.git``, or a symlink that leads outside.
    """
    posix = rel.strip().replace("\\", "/")
    pure = PurePosixPath(posix)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", posix):
        raise UnsafePath(rel, "absolute paths are not allowed; use a path relative to the repo")
    if ".." in pure.parts:
        raise UnsafePath(rel, "'..' is not allowed; use a path relative to the repo root")
    if ".git" in pure.parts:
        raise UnsafePath(rel, "the .git folder is off limits")
    root = checkout.resolve()
    target = (root / pure).resolve()
    if target != root and root not in target.parents:
        raise UnsafePath(rel, "leads outside the repository (through a symlink)")
    return root / pure


def apply_block(checkout: Path, block: EditBlock, *, threshold: float = THRESHOLD) -> Applied:
    """Apply one block to the checkout (writes the file).

    Raises:
        EditNotApplied: the block did not apply; the file is unchanged.
    """
    try:
        target = safe_path(checkout, block.path)
    except UnsafePath as exc:
        raise EditNotApplied(block.path, "unsafe", exc.reason) from None
    if not target.exists():
        if block.search.strip():
            raise EditNotApplied(
                block.path, "missing", "file does not exist (to create it, leave SEARCH empty)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(block.replace.encode("utf-8"))
        return Applied(block.path, "created")
    try:
        old = target.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EditNotApplied(block.path, "unreadable", f"cannot read as text: {exc}") from None
    new, applied = replace_text(old, block, threshold=threshold)
    if new != old:
        target.write_bytes(new.encode("utf-8"))
    return applied


def apply_blocks(
    checkout: Path, blocks: Sequence[EditBlock], *, threshold: float = THRESHOLD
) -> tuple[list[Applied], list[EditNotApplied]]:
    """Apply blocks in order, each to the file as the blocks before it left it.

    A block that fails is skipped; the others still apply. Returns what applied and what failed.
    """
    applied: list[Applied] = []
    failed: list[EditNotApplied] = []
    for block in blocks:
        try:
            applied.append(apply_block(checkout, block, threshold=threshold))
        except EditNotApplied as exc:
            failed.append(exc)
    return applied, failed


def replace_text(
    content: str, block: EditBlock, *, threshold: float = THRESHOLD
) -> tuple[str, Applied]:
    """``content`` with the block applied (pure; keeps CRLF files CRLF).

    Raises:
        EditNotApplied: the SEARCH text is not found, is found several times, or is empty
            while the file has content.
    """
    crlf = "\r\n" in content
    text = content.replace("\r\n", "\n")
    lines = text.splitlines()
    search = block.search.replace("\r\n", "\n").splitlines()
    replace = block.replace.replace("\r\n", "\n").splitlines()
    if not "".join(search).strip():
        if text.strip() and text.strip() == block.replace.replace("\r\n", "\n").strip():
            return content, Applied(block.path, "already-applied")
        if text.strip():
            raise EditNotApplied(
                block.path, "exists", "file exists; SEARCH must quote the lines to replace"
            )
        return block.replace, Applied(block.path, "created")
    located = _locate(lines, search, replace, block.path, threshold)
    if located is None:
        raise EditNotApplied(
            block.path,
            "not-found",
            "SEARCH text not found in the file",
            closest_lines(text, block.search, threshold=HINT_THRESHOLD),
        )
    start, end, how, score = located
    if how == "already-applied":
        return content, Applied(block.path, how)
    if how != "exact":
        replace = _reindent(replace, _first_text(_trim(search)), _first_text(lines[start:end]))
    out = [*lines[:start], *replace, *lines[end:]]
    new = "\n".join(out) + ("\n" if out and text.endswith("\n") else "")
    return (new.replace("\n", "\r\n") if crlf else new), Applied(block.path, how, score)


def _locate(
    lines: list[str], search: list[str], replace: list[str], path: str, threshold: float
) -> tuple[int, int, str, float] | None:
    """Where the SEARCH lines are: (start, end, how, score); None when nowhere.

    Before a fuzzy match is taken, a block already applied is recognised: the REPLACE lines
    are in the file, where SEARCH fuzzily matches (or once, when it matches nowhere).
    """
    trimmed = _trim(search)
    finders: tuple[tuple[str, Callable[[], list[tuple[int, int, float]]]], ...] = (
        ("exact", lambda: _find(lines, search, str.__eq__)),
        ("whitespace", lambda: _find(lines, trimmed, _loose_eq)),
        ("fuzzy", lambda: _fuzzy(lines, trimmed, threshold)),
    )
    for how, finder in finders:
        found = finder()
        if how == "fuzzy" and _already(lines, replace, found):
            return 0, 0, "already-applied", 1.0
        if len(found) == 1:
            start, end, score = found[0]
            return start, end, how, score
        if len(found) > 1:
            where = ", ".join(str(s + 1) for s, _, _ in found[:5])
            raise EditNotApplied(
                path,
                "ambiguous",
                f"SEARCH text found {len(found)} times (lines {where}); "
                "quote more surrounding lines so it matches one place",
            )
    return None


def _already(lines: list[str], replace: list[str], fuzzy: list[tuple[int, int, float]]) -> bool:
    """The REPLACE lines are where SEARCH fuzzily matches, or once when it matches nowhere."""
    done = _find(lines, _trim(replace), _loose_eq)
    if not fuzzy:
        return len(done) == 1
    start, end, _ = fuzzy[0]
    return any(a < end and start < b for a, b, _ in done)


def _find(
    lines: list[str], search: list[str], eq: Callable[[str, str], bool]
) -> list[tuple[int, int, float]]:
    n = len(search)
    if n == 0:
        return []
    return [
        (i, i + n, 1.0)
        for i in range(len(lines) - n + 1)
        if all(eq(a, b) for a, b in zip(lines[i : i + n], search, strict=True))
    ]


def _loose_eq(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _fuzzy(lines: list[str], search: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """The best window at least ``threshold`` similar, or several if they tie apart."""
    found = _similar(lines, search, threshold)
    if not found:
        return []
    best = max(found, key=lambda f: f[2])
    ties = [f for f in found if f[2] >= best[2] - 1e-9 and (f[1] <= best[0] or f[0] >= best[1])]
    return [best, *ties]


def _similar(lines: list[str], search: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """Windows of about ``len(search)`` lines at least ``threshold`` similar to ``search``."""
    n = len(search)
    stripped = [line.strip() for line in lines]
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2("\n".join(line.strip() for line in search))
    found: list[tuple[int, int, float]] = []
    for size in sorted({max(1, n - 1), n, n + 1}):
        for i in range(len(lines) - size + 1):
            matcher.set_seq1("\n".join(stripped[i : i + size]))
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold:
                found.append((i, i + size, score))
    return found


def closest_lines(content: str, search: str, *, threshold: float = HINT_THRESHOLD) -> str:
    """The lines of ``content`` most like ``search``, numbered, or ``""`` if none is close."""
    lines = content.replace("\r\n", "\n").splitlines()
    found = _similar(lines, _trim(search.splitlines()), threshold)
    if not found:
        return ""
    start, end, score = max(found, key=lambda f: f[2])
    shown = range(max(0, start - 3), min(len(lines), end + 3, start + 30))
    body = "\n".join(f"{k + 1:>5}| {lines[k]}" for k in shown)
    return f"closest lines ({score:.0%} similar), numbered, with context:\n{body}"


def _trim(lines: list[str]) -> list[str]:
    """Without blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _first_text(lines: list[str]) -> str:
    return next((line for line in lines if line.strip()), "")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _reindent(replace: list[str], quoted: str, found: str) -> list[str]:
    """Shift ``replace`` by how far the found first line is indented from the quoted one."""
    old, new = _indent(quoted), _indent(found)
    if old == new:
        return replace
    out = []
    for line in replace:
        if not line.strip():
            out.append("")
        elif line.startswith(old):
            out.append(new + line[len(old) :])
        else:
            width = len(_indent(line)) + len(new) - len(old)
            out.append(" " * max(0, width) + line.lstrip())
    return out
