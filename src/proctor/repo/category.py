"""Guess what kind of change a commit is from its message (keywords, nothing more)."""

from __future__ import annotations

import re

from proctor.spec import Category

_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    ("security", ("security", "cve", "vulnerab", "injection", "xss")),
    ("performance", ("speed", "faster", "performance", "slow", "optimi")),
    ("bug", ("fix", "bug", "crash", "error", "regression")),
    ("refactor", ("refactor", "clean up", "cleanup", "simplify", "rename")),
    ("feature", ("add", "support", "new", "implement", "allow")),
)
"""Categories in priority order, each with the word starts that name it."""


def guess_category(text: str) -> Category | None:
    """The category a commit message or statement names, ``None`` when none fits.

    A keyword counts at the start of a word (``fixes``, ``Optimise``, ``CVE-2024-1``), case
    aside; when several categories match, the first of security, performance, bug, refactor,
    feature wins.
    """
    lowered = text.lower()
    for category, words in _KEYWORDS:
        if any(re.search(rf"\b{re.escape(word)}", lowered) for word in words):
            return category
    return None
