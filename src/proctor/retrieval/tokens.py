"""A cheap token estimate, so budgets need no tokenizer download.

Code tokenizes at roughly 3 to 4 characters per token with the BPE vocabularies of current
chat models; dividing by 3.5 and rounding up errs on the side of showing a little less.
Rounding up per piece makes the estimate subadditive: the estimate of a concatenation is
never more than the sum of its pieces' estimates, so budgets summed piece by piece hold for
the joined text too.
"""

from __future__ import annotations

import math

CHARS_PER_TOKEN = 3.5
"""Characters per token assumed by :func:`estimate_tokens`."""


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` takes: ``ceil(len(text) / 3.5)``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)
