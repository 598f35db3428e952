"""Unified diffs: apply them, take them apart, and derive a task's reference patches.

Diffs are ``str``; bytes that are not UTF-8 travel as surrogate escapes
(``patch.encode("utf-8", "surrogateescape")`` gives git's bytes back).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from proctor.errors import PatchError, RepoError
from proctor.repo.checkout import DIFF_FLAGS
from proctor.repo.hunks import parse_file_diff
from proctor.repo.mirror import first_error, git_dir_args, resolve_commit, run_git
from proctor.spec import Difficulty, Task

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_TEST_DIRS = {"tests", "test", "testing"}
_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}


@dataclass
class _Section:
    """One file's part of a diff: its exact text and the paths it names (-p1 stripped)."""

    lines: list[str] = field(default_factory=list)
    old: str | None = None
    new: str | None = None
    git_header: str | None = None
    body: bool = False

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(p for p in (self.old, self.new) if p is not None))


def _unquote(text: str) -> tuple[str, str]:
    """Parse a C-quoted name at the start of ``text``; return (name, the rest after it)."""
    out = bytearray()
    i = 1
    while i < len(text) and text[i] != '"':
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "01234567":
                out.append(int(text[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt) if ord(nxt) < 128 else 63))
            i += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape"), text[i + 1 :]


def _strip(name: str) -> str | None:
    """``name`` as ``-p1`` sees it (first component dropped); ``None`` for /dev/null."""
    if name == "/dev/null":
        return None
    return name.split("/", 1)[1] if "/" in name else name


def _file_name(value: str) -> str | None:
    """The path of a ``---``/``+++`` line's value (no quotes, no tab-separated date)."""
    value = value.rstrip("\r\n")
    if value.startswith('"'):
        return _strip(_unquote(value)[0])
    return _strip(value.split("\t", 1)[0])


def _header_names(rest: str) -> tuple[str | None, str | None]:
    """Both names of ``diff --git A B`` (paths with spaces are unquoted and ambiguous)."""
    rest = rest.rstrip("\r\n")
    if rest.startswith('"'):
        first, tail = _unquote(rest)
        tail = tail.lstrip(" ")
        second = _unquote(tail)[0] if tail.startswith('"') else tail
        return _strip(first), _strip(second)
    if ' "' in rest:
        first, tail = rest.split(' "', 1)
        return _strip(first), _strip(_unquote('"' + tail)[0])
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half] == " " and _strip(rest[:half]) == _strip(rest[half + 1 :]):
        return _strip(rest[:half]), _strip(rest[half + 1 :])
    cut = rest.rfind(" b/")
    cut = cut if cut > 0 else rest.find(" ")
    if cut < 0:
        return _strip(rest), _strip(rest)
    return _strip(rest[:cut]), _strip(rest[cut + 1 :])


def _read_header(section: _Section, line: str) -> None:
    """Record the paths a header line of ``section`` names."""
    text = line.rstrip("\r\n")
    for prefix in ("rename from ", "copy from ", "rename to ", "copy to "):
        if text.startswith(prefix):
            name = text[len(prefix) :]
            name = _unquote(name)[0] if name.startswith('"') else name
            if prefix.endswith("from "):
                section.old = name
            else:
                section.new = name
    if text.startswith("new file mode"):
        section.old = None
    elif text.startswith("deleted file mode"):
        section.new = None
    elif text.startswith("GIT binary patch") or text.startswith("Binary files "):
        section.body = True


def _lines(text: str) -> list[str]:
    """Lines with their ends, split on "\n" only (a form feed inside a line is content)."""
    parts = [part + "\n" for part in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    return parts if parts[-1] else parts[:-1]


def _is_header(line: str, nxt: str, after: str) -> bool:
    """Whether ``line`` starts a file even inside a hunk (whose counts may be wrong)."""
    if line.startswith("diff --git "):
        return True
    return line.startswith("--- ") and nxt.startswith("+++ ") and after.startswith("@@ ")


def _sections(patch: str) -> tuple[str, list[_Section]]:
    """Split ``patch`` into its preamble and per-file sections, byte for byte."""
    lines = _lines(patch)
    preamble: list[str] = []
    sections: list[_Section] = []
    old_left = new_left = 0
    for i, line in enumerate(lines):
        current = sections[-1] if sections else None
        nxt, after = [*lines[i + 1 : i + 3], "", ""][:2]
        if (old_left > 0 or new_left > 0) and not _is_header(line, nxt, after):
            tag = line[:1]
            if tag in {" ", "-", "+", "\\", "\n", "\r"}:
                if tag in {" ", "-", "\n", "\r"}:
                    old_left -= 1
                if tag in {" ", "+", "\n", "\r"}:
                    new_left -= 1
                assert current is not None
                current.lines.append(line)
                continue
        old_left = new_left = 0
        starts = line.startswith("diff --git ")
        if line.startswith("--- ") and nxt.startswith("+++ "):
            starts = current is None or current.body
        elif line.startswith(("diff ", "Index: ")) and not starts:
            starts = current is None or current.body or current.git_header is not None
        if starts:
            current = _Section()
            sections.append(current)
            if line.startswith("diff --git "):
                current.git_header = line
                current.old, current.new = _header_names(line[len("diff --git ") :])
        if current is None:
            preamble.append(line)
            continue
        current.lines.append(line)
        if line.startswith("--- ") and nxt.startswith("+++ "):
            current.old = _file_name(line[4:])
            current.new = _file_name(nxt[4:])
        elif line.startswith("+++ ") and current.lines[-2:-1] and current.lines[-2][:4] == "--- ":
            current.body = True
        elif (match := _HUNK.match(line)) is not None:
            current.body = True
            old_left = int(match.group(1) or "1")
            new_left = int(match.group(2) or "1")
        else:
            _read_header(current, line)
    return "".join(preamble), sections


def touched_paths(patch: str) -> list[str]:
    """Every path a unified diff touches, in order of appearance (both sides of a rename)."""
    found: dict[str, None] = {}
    for section in _sections(patch)[1]:
        found.update(dict.fromkeys(section.paths))
    return list(found)


_OLD_RANGE = re.compile(r"^@@ -(\d+)(?:,(\d+))? ")


def touched_lines(patch: str) -> dict[str, list[tuple[int, int]]]:
    """Every path a unified diff changes (its old name), with the line ranges of the old file
    its hunks cover (1-based, inclusive; a hunk that only adds lines covers the line it adds
    them after, or line 1); a new file has none. In order of appearance."""
    found: dict[str, list[tuple[int, int]]] = {}
    for section in _sections(patch)[1]:
        path = section.old or section.new
        if path is None:
            continue
        ranges = found.setdefault(path, [])
        if section.old is None:
            continue
        for line in section.lines:
            if (match := _OLD_RANGE.match(line)) is not None:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                ranges.append((max(1, start), max(1, start, start + count - 1)))
    return found


def file_sections(patch: str) -> list[tuple[list[str], str]]:
    """Each file's part of a diff, in order: (the paths it touches, its exact text).

    Text before the first file (a commit message) belongs to no file and is left out.
    """
    return [(section.paths, "".join(section.lines)) for section in _sections(patch)[1]]


def split_patch(patch: str, keep: Callable[[str], bool]) -> tuple[str, str]:
    """Split a multi-file diff into (sections ``keep`` wants, the others), byte for byte.

    A section goes to the first part when ``keep`` is true for every path it touches (both
    sides of a rename). Text before the first file (a commit message) goes with the first
    section, so the two parts together hold every byte of ``patch``.
    """
    preamble, sections = _sections(patch)
    kept: list[str] = []
    rest: list[str] = []
    for index, section in enumerate(sections):
        text = (preamble if index == 0 else "") + "".join(section.lines)
        (kept if all(keep(p) for p in section.paths) else rest).append(text)
    if not sections:
        rest.append(preamble)
    return "".join(kept), "".join(rest)


def is_test_path(path: str) -> bool:
    """Whether ``path`` is a test file: in a tests/test/testing folder, or named like one."""
    pure = PurePosixPath(path.replace("\\", "/"))
    name = pure.name
    return (
        any(part in _TEST_DIRS for part in pure.parts[:-1])
        or name == "conftest.py"
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
    )


_VERSION_LINE = re.compile(r"^(?:__version__|version|VERSION)\s*(?::[^=]*)?=")
"""A version assignment: a bump of it alone is not a code change."""


@dataclass(frozen=True)
class _FileChange:
    """One file's section counted: hunks, changed lines, and whether any of them is code."""

    hunks: int
    lines: int
    code: bool


def _code_text(lines: Sequence[str]) -> str:
    """The changed lines with whitespace, blank lines, comments and version bumps left out."""
    kept = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#") and not _VERSION_LINE.match(text):
            kept.append("".join(text.split()))
    return "".join(kept)


def _counts(section: _Section) -> _FileChange:
    """Count one file's section (:func:`parse_file_diff` reads its hunks).

    The change is code unless its removed and added lines are the same once whitespace,
    comments and ``__version__``-style assignments are left out (a reformat, a comment edit
    or a version bump).
    """
    diff = parse_file_diff("".join(section.lines))
    changed = [(tag, line) for hunk in diff.hunks for tag, line in hunk.lines() if tag != " "]
    removed = [line for tag, line in changed if tag == "-"]
    added = [line for tag, line in changed if tag == "+"]
    code = _code_text(removed) != _code_text(added)
    return _FileChange(len(diff.hunks), len(changed), code)


def patch_difficulty(patch: str) -> Difficulty:
    """The size of a change, counted on its Python files that :func:`is_test_path` does not
    call tests (docs, changelogs and tests in ``patch`` are left out).

    A hunk is an ``@@`` header; lines are the ``+`` and ``-`` lines of the hunks (not the
    ``---``/``+++`` file headers). A renamed file counts once. A file whose change is not
    code (whitespace, comments or a version bump only) is not counted at all.
    """
    files = hunks = lines = 0
    for section in _sections(patch)[1]:
        if not any(p.endswith(".py") and not is_test_path(p) for p in section.paths):
            continue
        change = _counts(section)
        if change.code:
            files, hunks, lines = files + 1, hunks + change.hunks, lines + change.lines
    return Difficulty(files=files, hunks=hunks, lines=lines)


def _git_apply(checkout: Path, data: bytes, extra: Sequence[str]) -> str | None:
    """Run ``git apply`` (atomic: all or nothing); the error, or ``None`` on success."""
    args = ["apply", "--whitespace=nowarn", *extra, "-"]
    proc = run_git(args, cwd=checkout, input=data, check=False)
    if proc.returncode == 0:
        return None
    error = first_error(proc.stderr)
    return error.removeprefix("patch failed: ")


@functools.cache
def _gnu_patch() -> str | None:
    exe = shutil.which("patch")
    if exe is None:
        return None
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    return exe if proc.returncode == 0 and "GNU patch" in proc.stdout else None


def _gnu_apply(checkout: Path, data: bytes) -> bool:
    """Apply with GNU patch (fuzz 2) when it is installed; dry run first, so all or nothing."""
    exe = _gnu_patch()
    if exe is None or b"GIT binary patch" in data:
        return False
    base = [exe, "-p1", "--unified", "--fuzz=2", "--batch", "--forward", "--silent"]
    base += ["--no-backup-if-mismatch", "--reject-file=-", "-d", str(checkout)]
    if subprocess.run([*base, "--dry-run"], input=data, capture_output=True).returncode != 0:
        return False
    return subprocess.run(base, input=data, capture_output=True).returncode == 0


def apply_patch(checkout: Path, patch: str, *, label: str = "patch") -> None:
    """Apply a unified diff to the working tree of ``checkout``.

    Tries ``git apply``, then ``git apply --recount --ignore-whitespace``, then GNU
    ``patch --fuzz=2`` if installed. An empty patch does nothing.

    Raises:
        PatchError: no way applied; one line, ``"LABEL does not apply: REASON"`` with git's
            first error (e.g. ``src/x.py:12``); the working tree is left unchanged.
    """
    if not patch.strip():
        return
    data = patch.encode("utf-8", "surrogateescape")
    data = data if data.endswith(b"\n") else data + b"\n"
    first = _git_apply(checkout, data, [])
    if first is None:
        return
    if _git_apply(checkout, data, ["--recount", "--ignore-whitespace"]) is None:
        return
    if _gnu_apply(checkout, data):
        return
    reason = " ".join(first.split())
    raise PatchError(f"{label} does not apply: {reason}")


def diff_commits(source: Path, base: str, commit: str, paths: Sequence[str] | None = None) -> str:
    """``git diff --binary BASE COMMIT [-- PATHS]`` of ``source`` (no renames, a/ b/ prefixes).

    ``paths=None`` diffs everything; an empty sequence gives ``""``.

    Raises:
        RepoError: either commit is missing.
    """
    if paths is not None and not paths:
        return ""
    old, new = resolve_commit(source, base), resolve_commit(source, commit)
    tail = ["--", *paths] if paths is not None else []
    proc = run_git([*git_dir_args(source), "diff", *DIFF_FLAGS, old, new, *tail], env=_LITERAL)
    return proc.stdout.decode("utf-8", "surrogateescape")


def _require_files(source: Path, commit: str, files: Sequence[str]) -> None:
    args = [*git_dir_args(source), "ls-tree", "-r", "-z", "--name-only", commit, "--", *files]
    listed = set(run_git(args, env=_LITERAL).stdout.decode("utf-8", "surrogateescape").split("\0"))
    for name in files:
        if name not in listed:
            raise RepoError(f"{source}: hidden test file {name} is not in commit {commit}")


def reference_patches(source: Path, task: Task) -> tuple[str, str]:
    """The task's (gold patch, test patch).

    The test patch is ``hidden_tests.patch``, else the change of ``hidden_tests.files``
    from base to the reference commit. The gold patch is the whole reference (its patch, or
    base to reference commit) without the files of the test patch, the hidden test files,
    and any file :func:`is_test_path` calls a test.

    Raises:
        RepoError: a commit, or a hidden test file in the reference commit, is missing.
    """
    base = resolve_commit(source, task.base_commit)
    ref = task.reference
    hidden = task.hidden_tests
    commit = resolve_commit(source, ref.commit) if ref.commit is not None else None
    if commit is not None and hidden.files:
        _require_files(source, commit, hidden.files)
    if hidden.patch is not None:
        test_patch = hidden.patch
    elif commit is not None:
        test_patch = diff_commits(source, base, commit, hidden.files)
    else:
        raise RepoError(f"{task.id}: hidden_tests.files needs reference.commit")
    full = ref.patch if ref.patch is not None else diff_commits(source, base, str(commit))
    excluded = {*touched_paths(test_patch), *hidden.files}
    gold, _ = split_patch(full, lambda p: p not in excluded and not is_test_path(p))
    return gold, test_patch
