"""The statement leak check: names the fix introduces that a problem statement mentions.

A statement gives a fix away when it names what the fix brings in: a new function, a new
attribute, a new string or number. :func:`introduced_names` finds those in the added lines
of the source (non-test) patch, keeping only what the base does not contain anywhere;
:func:`statement_leaks` says which of them a statement mentions. A feature task's hidden
tests call a new API, so its statement must name it: the task lists such names in
``statement_may_name`` and they are allowed.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from proctor.repo.mirror import git_dir_args, resolve_commit, run_git
from proctor.repo.patch import reference_patches, touched_paths
from proctor.spec import Task

BaseText = Callable[[str], str | None]
"""The text of a path at the base, or ``None`` when the base has no such file."""

MIN_NAME = 4
"""Identifiers and string literals shorter than this are never counted."""
MIN_DIGITS = 3
"""Numbers with fewer digits than this are never counted."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"""(?<![A-Za-z0-9_])[rbufRBUF]{0,2}("|')((?:\\.|(?!\1).)*)\1""")
_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?![\w.])")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_COMMON = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *dir(builtins), "self", "args", "kwargs", "None"}
)


def _code_shaped(name: str) -> bool:
    """Whether ``name`` looks like code, not a word: snake_case, CamelCase or with digits."""
    return "_" in name.strip("_") or any(c.isdigit() for c in name) or name[1:] != name[1:].lower()


def _added_lines(patch: str) -> list[str]:
    lines = patch.splitlines()
    return [
        line[1:]
        for line in lines
        if line.startswith("+") and not line.startswith("+++") and line[1:].strip()
        if not line[1:].lstrip().startswith("#")
    ]


def _candidates(lines: Iterable[str]) -> set[str]:
    """Identifiers, string literals and numbers on ``lines`` that are long enough to matter."""
    found: set[str] = set()
    for line in lines:
        strings = [m.group(2) for m in _STRING.finditer(line)]
        found |= {s for s in strings if len(s.strip()) >= MIN_NAME and "\\" not in s}
        code = _STRING.sub(" ", line)
        found |= {n for n in _IDENT.findall(code) if len(n) >= MIN_NAME and n not in _COMMON}
        found |= {n for n in _NUMBER.findall(code) if sum(c.isdigit() for c in n) >= MIN_DIGITS}
    return found


def _in_base(name: str, base: str, words: set[str]) -> bool:
    if _IDENT.fullmatch(name) or _NUMBER.fullmatch(name):
        return name in words
    return name in base


def introduced_names(source_patch: str, base_text: BaseText | str) -> set[str]:
    """Names and literals the added lines of ``source_patch`` bring in that the base lacks.

    Counted: identifiers of at least :data:`MIN_NAME` characters that are not keywords or
    builtins, string literals of at least :data:`MIN_NAME` characters, and numbers of at
    least :data:`MIN_DIGITS` digits. One that occurs anywhere in the base is not introduced.

    Args:
        source_patch: the fix without its tests (a unified diff).
        base_text: the base's text, or a function giving each touched file's text at the
            base (``None`` for a file the base lacks).
    """
    if isinstance(base_text, str):
        base = base_text
    else:
        base = "\n".join(t for p in touched_paths(source_patch) if (t := base_text(p)))
    words = {*_IDENT.findall(base), *_NUMBER.findall(base)}
    return {n for n in _candidates(_added_lines(source_patch)) if not _in_base(n, base, words)}


def _mentions(statement: str, name: str, spans: str) -> bool:
    """Whether ``statement`` names ``name``: a word-boundary match, or in a code span when
    ``name`` is a plain word (``parse``) that prose could use without meaning the code."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    if not (_IDENT.fullmatch(name) and not _code_shaped(name)):
        return pattern.search(statement) is not None
    call = re.compile(rf"(?<![\w-]){re.escape(name)}\(")
    return pattern.search(spans) is not None or call.search(statement) is not None


def statement_leaks(statement: str, introduced: Iterable[str], allowed: Sequence[str]) -> list[str]:
    """The ``introduced`` names that ``statement`` mentions, less ``allowed``, sorted.

    Code-shaped names (``parse_header``, ``HeaderMap``, ``"X-Forwarded-For"``, ``8080``)
    count wherever they appear as a whole word; a plain word (``parse``) counts only in a
    code span (```parse```) or as a call (``parse(``).
    """
    spans = "\n".join(_CODE_SPAN.findall(statement))
    skip = set(allowed)
    return sorted(n for n in introduced if n not in skip and _mentions(statement, n, spans))


def base_reader(source: Path, commit: str) -> BaseText:
    """A :data:`BaseText` reading files of ``commit`` from the git directory ``source``.

    Raises:
        RepoError: ``source`` has no such commit.
    """
    sha = resolve_commit(source, commit)

    def read(path: str) -> str | None:
        args = [*git_dir_args(source), "cat-file", "blob", f"{sha}:{path}"]
        proc = run_git(args, check=False)
        return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None

    return read


def found_in_tree(source: Path, commit: str, names: Iterable[str]) -> set[str]:
    """Those of ``names`` that occur as whole words in any file of ``commit`` (git grep).

    Raises:
        RepoError: ``source`` has no such commit.
    """
    wanted = sorted(n for n in names if "\n" not in n)
    if not wanted:
        return set()
    patterns = [arg for n in wanted for arg in ("-e", n)]
    args = [*git_dir_args(source), "grep", "-I", "-o", "-h", "-F", "-w", *patterns]
    proc = run_git([*args, resolve_commit(source, commit)], check=False)
    matched = set(proc.stdout.decode("utf-8", "replace").splitlines())
    return matched & set(wanted)


def unseen_names(source_patch: str, source: Path, base: str) -> set[str]:
    """:func:`introduced_names` of ``source_patch`` with the whole tree of commit ``base``
    of ``source`` as the base (its touched files, then a ``git grep`` of the rest)."""
    introduced = introduced_names(source_patch, base_reader(source, base))
    return introduced - found_in_tree(source, base, introduced)


def task_leaks(source: Path, task: Task) -> list[str]:
    """The names ``task``'s statement leaks from its reference fix (see module docstring).

    Raises:
        RepoError: a commit of the task is missing from ``source``.
    """
    gold, _ = reference_patches(source, task)
    introduced = unseen_names(gold, source, task.base_commit)
    return statement_leaks(task.problem_statement, introduced, task.statement_may_name)
