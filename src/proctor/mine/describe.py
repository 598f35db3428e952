"""Problem statements for mined tasks: from the commit message, or drafted by a model.

Whichever text is used must not give the fix away: :func:`find_leak` rejects a statement
that quotes a non-trivial added line of the fix, or shares a long run of characters with
the added code, and :func:`pick_statement` also rejects one that names an identifier or
literal the fix introduces (:func:`proctor.repo.statement_leaks`). A model's draft that
leaks falls back to the commit message; when that leaks too (or is too thin), the candidate
is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from importlib import resources

from proctor.model import ChatModel
from proctor.repo import statement_leaks

Describe = Callable[[str, str], str]
"""Drafts a statement from (commit message, diff of the fix and its tests); may raise
:class:`~proctor.errors.ModelError`."""

MIN_LINE = 20
"""An added line of the fix at least this long (whitespace collapsed) may not be quoted."""
MIN_COMMON = 40
"""No run of this many characters of the added code may appear in a statement."""
COMMIT_MESSAGE = "commit message"

_MERGE_LINE = re.compile(
    r"^Merge (pull request #\d+ from \S+|(remote-tracking )?branch\b.*|tag\b.*|[0-9a-f]{7,40}\b.*)$"
)
_TRAILER = re.compile(
    r"^(Signed-off-by|Co-authored-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by"
    r"|Helped-by|Change-Id|Cc|Reviewed-on|Approved-by):",
    re.IGNORECASE,
)
_REF = r"(?:[\w.-]+/[\w.-]+)?#\d+"
_CLOSING = re.compile(
    rf"\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\s*:?\s*{_REF}(?:\s*(?:,|and)\s*{_REF})*", re.I
)
_PR_SUFFIX = re.compile(rf"\(\s*{_REF}(?:\s*,\s*{_REF})*\s*\)")
_SKIP_CI = re.compile(r"\[(?:skip ci|ci skip|no ci)\]", re.IGNORECASE)
_EMPTY_PARENS = re.compile(r"\s*\(\s*[,;]?\s*\)")
_SPACE_PUNCT = re.compile(r"[ \t]+([.,;:])")
_LEADING_PUNCT = re.compile(r"^\s*[:;,]\s*")
_WS = re.compile(r"\s+")


def clean_message(message: str, branch: str = "") -> str:
    """A commit message without git boilerplate, as a problem statement.

    Drops merge lines (``Merge pull request #12 from a/b``), trailers (``Signed-off-by:``),
    closing references (``Fixes #12``), PR suffixes (``(#34)``) and ``[skip ci]``. A merge
    whose message says nothing else is described by ``branch``, the messages it merged.
    """
    lines = message.strip().splitlines()
    if lines and _MERGE_LINE.match(lines[0].strip()):
        lines = lines[1:]
    kept: list[str] = []
    for line in lines:
        if _TRAILER.match(line.strip()):
            continue
        text = _SKIP_CI.sub("", _PR_SUFFIX.sub("", _CLOSING.sub("", line))).rstrip()
        if text != line.rstrip():  # tidy what the references leave behind
            text = _SPACE_PUNCT.sub(r"\1", _EMPTY_PARENS.sub("", text)).rstrip()
            text = _LEADING_PUNCT.sub("", text)
        if line.strip() and not text.strip(" .,:;-"):
            continue  # the line held nothing but a reference
        kept.append(text)
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    if not cleaned and branch.strip():
        return clean_message(branch)
    return cleaned


def is_thin(statement: str, min_words: int) -> bool:
    """Whether ``statement`` is too short to describe a problem."""
    return len(statement.split()) < min_words


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def fix_lines(source_patch: str) -> list[str]:
    """Added lines of a diff, whitespace collapsed, minus comments and lines it also removes."""
    added: list[str] = []
    removed: set[str] = set()
    for line in source_patch.splitlines():
        if line.startswith(("+++ ", "--- ")):
            continue
        if line.startswith("+"):
            added.append(_norm(line[1:]))
        elif line.startswith("-"):
            removed.add(_norm(line[1:]))
    return [a for a in added if a and a not in removed and not a.startswith("#")]


def find_leak(
    statement: str, source_patch: str, *, min_line: int = MIN_LINE, min_common: int = MIN_COMMON
) -> str | None:
    """Why ``statement`` gives the fix away, or None.

    It does when it contains an added line of ``source_patch`` of at least ``min_line``
    characters, or any ``min_common`` characters in a row of the added code (whitespace is
    collapsed on both sides first).
    """
    text = _norm(statement)
    lines = fix_lines(source_patch)
    for line in lines:
        if len(line) >= min_line and line in text:
            return f"quotes the fix: {line[:60]!r}"
    code = " ".join(lines)
    windows = {code[i : i + min_common] for i in range(len(code) - min_common + 1)}
    for i in range(len(text) - min_common + 1):
        if text[i : i + min_common] in windows:
            return f"shares code with the fix: {text[i : i + min_common]!r}"
    return None


@dataclass(frozen=True)
class Statement:
    """The chosen statement and where it came from, or why there is none."""

    text: str | None
    source: str = ""
    reason: str | None = None
    notes: tuple[str, ...] = ()


def pick_statement(
    drafts: Sequence[tuple[str, str]],
    source_patch: str,
    min_words: int,
    introduced: Collection[str] = (),
) -> Statement:
    """The first draft (source, text) that is neither thin nor leaking.

    A draft leaks when :func:`find_leak` says so, or when it names any of ``introduced``
    (what the fix brings in that the base lacks, see :func:`proctor.repo.unseen_names`).

    Returns a :class:`Statement` with ``text=None`` and a reason when every draft fails:
    ``statement leaks the fix`` if any leaked, else ``commit message too thin``.
    """
    notes: list[str] = []
    leaked = False
    for source, text in drafts:
        if is_thin(text, min_words):
            notes.append(f"{source}: too thin")
            continue
        leak = find_leak(text, source_patch)
        if leak is None and (names := statement_leaks(text, introduced, ())):
            leak = f"names what the fix introduces: {', '.join(names)}"
        if leak is not None:
            leaked = True
            notes.append(f"{source}: {leak}")
            continue
        return Statement(text.strip() + "\n", source, None, tuple(notes))
    reason = "statement leaks the fix" if leaked else "commit message too thin for a statement"
    return Statement(None, "", reason, tuple(notes))


def _template() -> str:
    return (resources.files("proctor.mine") / "describe_prompt.md").read_text(encoding="utf-8")


def _unfence(text: str) -> str:
    match = re.fullmatch(r"\s*```[\w-]*\n(.*)\n```\s*", text, flags=re.DOTALL)
    return (match.group(1) if match else text).strip()


def chat_describer(model: ChatModel, *, max_diff_chars: int = 16000) -> Describe:
    """A :data:`Describe` that asks ``model`` to write the issue (prompt: describe_prompt.md)."""
    template = _template()

    def describe(message: str, diff: str) -> str:
        prompt = template.replace("{message}", message.strip()).replace(
            "{diff}", diff[:max_diff_chars]
        )
        answer = model.complete([{"role": "user", "content": prompt}], max_tokens=1000)
        return _unfence(answer.content)

    return describe
