"""Email verification and password reset: the HTTP side of the flows (the mails are sent
by application.jobs from the outbox)."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import InvalidToken, RateLimited
from application.ports.jobs import OneTimeTokens
from application.ports.limits import Rate, RateLimiter
from application.ports.security import PasswordHasher
from application.ports.system import Clock
from application.ports.uow import UnitOfWork
from application.views import Actor
from domain.errors import InvalidEmail
from domain.values import Email, check_password_policy

VERIFY, RESET = "verify", "reset"


class InvalidOneTimeToken(InvalidToken):
    """A verification or reset token that is unknown, spent, expired or for another purpose."""


@dataclass(frozen=True, slots=True)
class PasswordResetLimits:
    per_client: Rate
    per_account: Rate


class RequestPasswordReset:
    """Always succeeds from the caller's view (no account enumeration); only an existing,
    active account gets a mail. Limited per client and per address."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, limiter: RateLimiter, limits: PasswordResetLimits
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._limiter = limiter
        self._limits = limits

    async def execute(self, email: str, client: str) -> None:
        for key, rate in (
            (f"reset:client:{client}", self._limits.per_client),
            (f"reset:account:{email.strip().lower()[:320]}", self._limits.per_account),
        ):
            decision = await self._limiter.hit(key, rate)
            if not decision.allowed:
                raise RateLimited("Too many password reset requests.", decision.retry_after_seconds)
        try:
            address = Email(email)
        except InvalidEmail:
            return
        async with self._uow as uow:
            user = await uow.users.get_by_email(address)
            if user is None or not user.is_active:
                return
            user.request_password_reset(now=self._clock.now())
            uow.collect(user.pull_events())
            await uow.commit()


class ConfirmPasswordReset:
    """A valid reset token sets the new password, spends every reset token of the user and
    ends every session (access and refresh tokens)."""

    def __init__(
        self, uow: UnitOfWork, tokens: OneTimeTokens, hasher: PasswordHasher, clock: Clock
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock

    async def execute(self, token: str, new_password: str) -> None:
        password_hash = await self._hasher.hash(check_password_policy(new_password))
        now = self._clock.now()
        async with self._uow as uow:
            stored = await uow.email_tokens.get_by_hash(self._tokens.digest(token))
            if stored is None or stored.purpose != RESET or not stored.usable(now):
                raise InvalidOneTimeToken("The reset link is invalid or has expired.")
            user = await uow.users.get(stored.user_id)
            if (
                user is None
                or not user.is_active
                or not await uow.email_tokens.spend(stored.id, now)
            ):
                raise InvalidOneTimeToken("The reset link is invalid or has expired.")
            version = user.version
            user.change_password(password_hash, now=now)
            await uow.users.update(user, expected_version=version)
            await uow.email_tokens.spend_all(user.id, RESET, now)
            await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            await uow.commit()


class ConfirmEmail:
    """A valid verification token marks its address verified, if it is still the user's."""

    def __init__(self, uow: UnitOfWork, tokens: OneTimeTokens, clock: Clock) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock

    async def execute(self, token: str) -> None:
        now = self._clock.now()
        async with self._uow as uow:
            stored = await uow.email_tokens.get_by_hash(self._tokens.digest(token))
            if stored is None or stored.purpose != VERIFY or not stored.usable(now):
                raise InvalidOneTimeToken("The verification link is invalid or has expired.")
            user = await uow.users.get(stored.user_id)
            if user is None or user.email.value != stored.email:
                raise InvalidOneTimeToken("The verification link is invalid or has expired.")
            if not await uow.email_tokens.spend(stored.id, now):
                raise InvalidOneTimeToken("The verification link is invalid or has expired.")
            version = user.version
            user.verify_email(now=now)
            await uow.users.update(user, expected_version=version)
            await uow.commit()


class ResendVerification:
    """Mail a fresh verification link to the caller's unverified address; rate-limited."""

    def __init__(self, uow: UnitOfWork, clock: Clock, limiter: RateLimiter, rate: Rate) -> None:
        self._uow = uow
        self._clock = clock
        self._limiter = limiter
        self._rate = rate

    async def execute(self, actor: Actor) -> None:
        decision = await self._limiter.hit(f"verify-resend:{actor.user_id}", self._rate)
        if not decision.allowed:
            raise RateLimited("Too many verification emails.", decision.retry_after_seconds)
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id)
            if user is None:
                return
            user.request_verification(now=self._clock.now())
            events = user.pull_events()
            if events:
                uow.collect(events)
                await uow.commit()
