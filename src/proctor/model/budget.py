"""What one task may spend on a model: tokens, dollars and wall time.

A :class:`Budget` is made when a task starts and shared by every call made for it (possibly
from several threads). The model adapter calls :meth:`Budget.check` before each request and
:meth:`Budget.charge` after each answer, so a task stops at the first call past its limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from proctor.errors import BudgetExceeded
from proctor.model.llm import ChatResponse


class Budget:
    """Limits for one task; ``None`` means unlimited.

    Args:
        max_tokens: prompt plus completion tokens over all calls.
        max_usd: dollars over all calls, at the model's catalog prices.
        max_seconds: wall time since the budget was made.
        clock: monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        max_usd: float | None = None,
        max_seconds: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_tokens = max_tokens
        self.max_usd = max_usd
        self.max_seconds = max_seconds
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._prompt_tokens = 0
        self._completion_tokens = 0
        self._usd = 0.0
        self._calls = 0

    def charge(self, response: ChatResponse) -> None:
        """Add one answer's tokens and cost (never raises; :meth:`check` does)."""
        with self._lock:
            self._prompt_tokens += response.prompt_tokens
            self._completion_tokens += response.completion_tokens
            self._usd += response.cost_usd
            self._calls += 1

    @property
    def tokens(self) -> int:
        """Tokens charged so far."""
        with self._lock:
            return self._prompt_tokens + self._completion_tokens

    @property
    def usd(self) -> float:
        """Dollars charged so far."""
        with self._lock:
            return self._usd

    @property
    def elapsed_s(self) -> float:
        """Seconds since the budget was made."""
        return self._clock() - self._started

    def exhausted(self) -> str | None:
        """What ran out, in words, or None while every limit holds."""
        with self._lock:
            tokens = self._prompt_tokens + self._completion_tokens
            usd = self._usd
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return f"tokens: {tokens:,} used of {self.max_tokens:,}"
        if self.max_usd is not None and usd >= self.max_usd:
            return f"dollars: ${usd:.4f} spent of ${self.max_usd:.4f}"
        elapsed = self.elapsed_s
        if self.max_seconds is not None and elapsed >= self.max_seconds:
            return f"time: {elapsed:.1f}s elapsed of {self.max_seconds:.1f}s"
        return None

    def check(self) -> None:
        """Raise if any limit is reached.

        Raises:
            BudgetExceeded: names the limit that ran out and by how much.
        """
        spent = self.exhausted()
        if spent is not None:
            raise BudgetExceeded(f"budget exceeded: {spent}")

    def usage(self) -> dict[str, float]:
        """Totals so far, shaped for :attr:`proctor.model.base.Submission.usage`."""
        with self._lock:
            return {
                "calls": float(self._calls),
                "prompt_tokens": float(self._prompt_tokens),
                "completion_tokens": float(self._completion_tokens),
                "cost_usd": self._usd,
                "seconds": self._clock() - self._started,
            }
