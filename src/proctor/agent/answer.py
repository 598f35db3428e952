"""The verdict at the end of an answer: how confident the model is, or that it cannot fix it.

Every final answer ends with one of::

    CONFIDENCE: 0.7
    CANNOT FIX: the issue needs a change to a C extension

Statuses an agent records in :class:`~proctor.model.Submission`: ``submitted``, ``cannot-fix``,
``malformed`` (the answer could not be read), ``patch-failed`` (its edits did not apply),
``limit`` (steps, time or the model budget ran out; the edits made so far are graded) and
``error`` (the model's API failed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proctor.model import Submission

_CONFIDENCE = re.compile(
    r"^[\s>*_#`-]*confidence[\s*_`]*[:=][\s*_`]*(\d+(?:\.\d*)?|\.\d+)\s*(%?)", re.IGNORECASE
)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_CANNOT_FIX = re.compile(r"^[\s>*_#`-]*cannot[ _-]?fix[\s*_`]*:[\s*_`]*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ConfidenceVerdict:
    """What the model said about its own answer."""

    confidence: float | None = None
    """In [0, 1]; None when the answer gave none."""
    cannot_fix: str | None = None
    """The reason, when the model said it cannot fix the issue."""

    @property
    def given(self) -> bool:
        """The answer had a CONFIDENCE or a CANNOT FIX line."""
        return self.confidence is not None or self.cannot_fix is not None


def parse_verdict(text: str) -> ConfidenceVerdict:
    """The last ``CONFIDENCE:`` and ``CANNOT FIX:`` lines of ``text`` (pure); a CANNOT FIX
    inside a fenced code block is a comment of the code written (``# Cannot fix: ...``), not
    a verdict.

    Percentages and whole numbers from 2 to 100 are read as percent; the result is clamped
    to [0, 1]. A CANNOT FIX line with no reason gets ``"no reason given"``.
    """
    confidence: float | None = None
    cannot_fix: str | None = None
    fence = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if m := _FENCE.match(line):
            mark = m.group(1)[0] * 3
            fence = "" if fence and mark == fence else (fence or mark)
        elif m := _CONFIDENCE.match(line):
            value = float(m.group(1))
            if m.group(2) or (1 < value <= 100 and value.is_integer()):
                value /= 100
            confidence = min(1.0, max(0.0, value))
        elif not fence and (m := _CANNOT_FIX.match(line)):
            cannot_fix = m.group(1).strip().strip("*_`").strip() or "no reason given"
    return ConfidenceVerdict(confidence, cannot_fix)


def verdict_submission(verdict: ConfidenceVerdict, message: str = "") -> Submission:
    """``cannot-fix`` with the reason, or ``submitted`` with the confidence."""
    if verdict.cannot_fix is not None:
        return Submission("cannot-fix", verdict.cannot_fix, verdict.confidence)
    return Submission("submitted", message, verdict.confidence)
