"""A token bucket for what a client sends, so a paste never floods it off a server."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """``burst`` lines at once, then ``rate`` per second."""

    def __init__(
        self, burst: float = 5.0, rate: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def delay(self) -> float:
        """Seconds until one line may go (0 when it may go now)."""
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def take(self) -> bool:
        """Spend a token for one line; False (nothing spent) when none is left."""
        self._refill()
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
