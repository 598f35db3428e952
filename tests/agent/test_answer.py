"""Reading the confidence or the CANNOT FIX line at the end of an answer."""

from __future__ import annotations

import pytest

from proctor.agent.answer import ConfidenceVerdict, parse_verdict, verdict_submission


@pytest.mark.parametrize(
    ("text", "confidence"),
    [
        ("edits...\nCONFIDENCE: 0.7", 0.7),
        ("Confidence: .85\n", 0.85),
        ("**CONFIDENCE:** 0.9", 0.9),
        ("**Confidence**: 0.6", 0.6),
        ("CONFIDENCE: 80%", 0.8),
        ("CONFIDENCE: 75", 0.75),
        ("CONFIDENCE: 1.5e3", 1.0),  # 1.5 then junk: clamped to 1
        ("> confidence = 0.3", 0.3),
        ("CONFIDENCE: 0.2\r\nCONFIDENCE: 0.4\r\n", 0.4),  # the last one wins
        ("I am fairly confident: see the edit.", None),
        ("My confidence is high", None),
    ],
)
def test_confidence(text: str, confidence: float | None) -> None:
    assert parse_verdict(text).confidence == confidence


def test_cannot_fix() -> None:
    verdict = parse_verdict("I looked.\nCANNOT FIX: the bug is in a C extension\n")
    assert verdict == ConfidenceVerdict(None, "the bug is in a C extension")
    assert verdict.given
    assert parse_verdict("**Cannot fix:**").cannot_fix == "no reason given"
    assert parse_verdict("cannot_fix: no tests").cannot_fix == "no tests"
    assert not parse_verdict("nothing here").given


def test_submission_from_verdict() -> None:
    assert verdict_submission(ConfidenceVerdict(0.5), "ok").status == "submitted"
    sub = verdict_submission(ConfidenceVerdict(None, "too hard"))
    assert (sub.status, sub.message) == ("cannot-fix", "too hard")


def test_cannot_fix_in_a_code_comment_is_not_a_verdict() -> None:
    from proctor.agent import parse_verdict

    text = "calc.py\n```python\n# Cannot FIX: the old way\ndef mean(v):\n    return 1\n```\n"
    assert parse_verdict(text + "CONFIDENCE: 0.4").cannot_fix is None
    assert parse_verdict(text + "CONFIDENCE: 0.4").confidence == 0.4
    assert parse_verdict(text + "CANNOT FIX: needs C").cannot_fix == "needs C"
