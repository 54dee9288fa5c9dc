from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: int


class RateLimiter(Protocol):
    """Fixed-window counters shared by every replica (or by this process, as a fallback)."""

    async def hit(self, key: str, rate: Rate) -> RateDecision:
        """Count one event; allowed while the window holds at most `rate.limit` of them."""
        ...

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        """Would one more event be allowed? Counts nothing."""
        ...

    async def reset(self, key: str) -> None: ...
