"""Throttling, one way: a use case names a `Limit` and a typed `ThrottleKey` and calls
`Throttler.enforce`. Keys are built from their parts and never parsed back; login throttling
(application.accounts.login_throttle) builds its keys the same way."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import RateLimited
from application.ports.limits import Rate, RateDecision, RateLimiter


@dataclass(frozen=True, slots=True)
class ThrottleKey:
    """What is counted: `scope` names the counter ("register:client"), `subject` whose count
    it is (a client address, a user id, an account fingerprint)."""

    scope: str
    subject: str

    def __str__(self) -> str:
        return f"{self.scope}:{self.subject}"


@dataclass(frozen=True, slots=True)
class Limit:
    """A rate with the names a refusal carries: `name` for metrics and audit events,
    `refusal` for the caller ("Too many registrations.")."""

    name: str
    rate: Rate
    refusal: str


@dataclass(frozen=True, slots=True)
class Throttler:
    limiter: RateLimiter

    async def hit(self, key: ThrottleKey, rate: Rate) -> RateDecision:
        return await self.limiter.hit(str(key), rate)

    async def peek(self, key: ThrottleKey, rate: Rate) -> RateDecision:
        return await self.limiter.peek(str(key), rate)

    async def reset(self, key: ThrottleKey) -> None:
        await self.limiter.reset(str(key))

    async def enforce(self, key: ThrottleKey, limit: Limit) -> None:
        """Count one attempt; raise RateLimited once `limit` is spent."""
        decision = await self.hit(key, limit.rate)
        if not decision.allowed:
            raise RateLimited(limit.refusal, decision.retry_after_seconds, limit.name)
