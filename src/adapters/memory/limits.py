from __future__ import annotations

import math

from adapters.memory.bounded import BoundedDict
from application.ports.limits import Rate, RateDecision, RateLimiter
from application.ports.system import Clock


class InProcessRateLimiter(RateLimiter):
    """Fixed windows in this process: embedded mode, and the fallback while Redis is
    unreachable (limits then hold per replica: weaker, never absent)."""

    def __init__(self, clock: Clock, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._windows: BoundedDict[str, tuple[int, float]] = BoundedDict(max_keys)

    def _current(self, key: str, rate: Rate) -> tuple[int, float]:
        now = self._clock.now().timestamp()
        count, resets_at = self._windows.get(key, (0, 0.0))
        if resets_at <= now:
            return 0, now + rate.window_seconds
        return count, resets_at

    def _decision(self, count: int, resets_at: float, rate: Rate) -> RateDecision:
        retry = math.ceil(resets_at - self._clock.now().timestamp())
        return RateDecision(count <= rate.limit, retry if count > rate.limit else 0)

    async def hit(self, key: str, rate: Rate) -> RateDecision:
        count, resets_at = self._current(key, rate)
        self._windows[key] = (count + 1, resets_at)
        return self._decision(count + 1, resets_at, rate)

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        count, resets_at = self._current(key, rate)
        return self._decision(count + 1, resets_at, rate)

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)
