"""Guessing a change's category from its commit message."""

from __future__ import annotations

import pytest

from proctor.repo import guess_category


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("Fix crash when the list is empty", "bug"),
        ("Regression in 1.2: wrong quoting", "bug"),
        ("Add support for TTL per item", "feature"),
        ("Implement the new parser option", "feature"),
        ("Refactor the lexer; no change in behaviour", "refactor"),
        ("Clean up the cache module", "refactor"),
        ("Make parsing faster", "performance"),
        ("Optimise the tokenizer (fixes slow splits)", "performance"),
        ("Fix SQL injection in format (CVE-2024-4340)", "security"),
        ("Escape attributes against XSS", "security"),
        ("Update the changelog", None),
        ("", None),
    ],
)
def test_guess_category(message: str, category: str | None) -> None:
    assert guess_category(message) == category


def test_keywords_start_words_only() -> None:
    assert guess_category("Prefix handling of the reader") is None
