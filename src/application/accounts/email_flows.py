"""Email verification and password reset: the HTTP side of the flows (the mails are sent
by application.operations.jobs from the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts.editing import end_sessions
from application.accounts.login_throttle import LoginThrottle
from application.errors import InvalidToken
from application.operations.audit import NO_ORIGIN, Origin
from application.ports.jobs import OneTimeTokens
from application.ports.limits import Rate, RateLimiter
from application.ports.security import Fingerprints, PasswordHasher
from application.ports.uow import UnitOfWork
from application.throttling import Limit, ThrottleKey, Throttler
from application.use_cases import AuditedWrite, Write
from application.views import Actor
from domain.audit import AuditKind, Details
from domain.errors import InvalidEmail
from domain.events import PasswordResetRequested
from domain.notification import EmailToken
from domain.user import User
from domain.values import Email, address_key, check_password_policy

VERIFY, RESET = "verify", "reset"


class InvalidOneTimeToken(InvalidToken):
    """A verification or reset token that is unknown, spent, expired, for another purpose,
    or no longer the user's (their email or password changed since it was mailed)."""


async def _redeemable(
    uow: UnitOfWork, tokens: OneTimeTokens, token: str, purpose: str, now: datetime
) -> tuple[EmailToken, User] | None:
    """The stored token and its user, when the token is for `purpose` and not spent or
    expired. Whether it still belongs to the user is the caller's rule."""
    stored = await uow.email_tokens.get_by_hash(tokens.digest(token))
    if stored is None or stored.purpose != purpose or not stored.usable(now):
        return None
    user = await uow.users.get(stored.user_id)
    return (stored, user) if user is not None else None


@dataclass(frozen=True, slots=True)
class PasswordResetLimits:
    per_client: Rate
    per_account: Rate
    confirms_per_client: Rate


@dataclass(frozen=True, slots=True)
class RequestPasswordResetCommand:
    email: str
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class RequestPasswordReset(AuditedWrite):
    """Always succeeds from the caller's view, and costs the same whether or not the address
    has an account: the request is recorded either way and the worker looks the account up
    (only an existing, active account gets a mail). Limited per client and per address.
    Audited with the request: the account's id, or a fingerprint of an unknown address (one
    indexed read either way, so the cost stays the same)."""

    limiter: RateLimiter
    limits: PasswordResetLimits
    fingerprints: Fingerprints

    async def execute(self, cmd: RequestPasswordResetCommand) -> None:
        address, limits, throttle = address_key(cmd.email), self.limits, Throttler(self.limiter)
        await throttle.enforce(
            ThrottleKey("reset:client", cmd.origin.client or ""),
            Limit("password_reset_client", limits.per_client, "Too many requests."),
        )
        await throttle.enforce(
            ThrottleKey("reset:account", self.fingerprints.of(address)),
            Limit("password_reset_account", limits.per_account, "Too many requests."),
        )
        try:
            mailbox = Email(cmd.email)
        except InvalidEmail:
            return  # no mailbox to write to; answered like every other request
        async with self.uow as uow:
            uow.collect([PasswordResetRequested(occurred_at=self.clock.now(), email=address)])
            user = await uow.users.get_by_email(mailbox)
            details: Details = {}
            if user is None:
                details["account_fingerprint"] = self.fingerprints.of(address)
            await self.auditor.record(
                uow,
                AuditKind.PASSWORD_RESET_REQUESTED,
                cmd.origin,
                subject_id=user.id if user is not None else None,
                details=details,
            )
            await uow.commit()


@dataclass(frozen=True, slots=True)
class ConfirmPasswordResetCommand:
    token: str
    new_password: str
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class ConfirmPasswordReset(AuditedWrite):
    """A valid reset token sets the new password, spends every reset token of the user and
    ends every session (access and refresh tokens). A token dies with any email or password
    change made after it was mailed. Attempts are limited per client, and the token is
    checked before any hashing, so bad tokens cost no argon2 work. The owner has proved
    control of the mailbox, so the login ceiling for unknown clients is lifted: a reset
    always lets the owner back in, from any client."""

    tokens: OneTimeTokens
    hasher: PasswordHasher
    limiter: RateLimiter
    limits: PasswordResetLimits
    login_throttle: LoginThrottle

    async def execute(self, cmd: ConfirmPasswordResetCommand) -> None:
        limit = Limit(
            "password_reset_confirm", self.limits.confirms_per_client, "Too many attempts."
        )
        key = ThrottleKey("reset-confirm", cmd.origin.client or "")
        await Throttler(self.limiter).enforce(key, limit)
        token, new_password = cmd.token, cmd.new_password
        check_password_policy(new_password)
        now = self.clock.now()
        async with self.uow as uow:
            found = await _redeemable(uow, self.tokens, token, RESET, now)
            if found is None or not found[0].belongs_to(found[1]):
                raise InvalidOneTimeToken("The reset link is invalid or has expired.")
            stored, user = found
            password_hash = await self.hasher.hash(new_password)
            if not await uow.email_tokens.spend(stored.id, now):
                raise InvalidOneTimeToken("The reset link is invalid or has expired.")
            version = user.version
            user.change_password(password_hash, now=now)
            await uow.users.update(user, expected_version=version)
            await uow.email_tokens.spend_all(user.id, RESET, now)
            await end_sessions(uow, user, now, caller_session=None)
            await self.auditor.record(
                uow,
                AuditKind.PASSWORD_RESET_COMPLETED,
                cmd.origin,
                subject_id=user.id,
            )
            await uow.commit()
        await self.login_throttle.lift_account_ceiling(user.email.value)


@dataclass(frozen=True, slots=True)
class ConfirmEmailCommand:
    token: str


@dataclass(frozen=True, slots=True)
class ConfirmEmail(Write):
    """A valid verification token marks its address verified, if it is still the user's."""

    tokens: OneTimeTokens

    async def execute(self, cmd: ConfirmEmailCommand) -> None:
        token, now = cmd.token, self.clock.now()
        async with self.uow as uow:
            found = await _redeemable(uow, self.tokens, token, VERIFY, now)
            if (
                found is None
                or found[1].email.value != found[0].email
                or not await uow.email_tokens.spend(found[0].id, now)
            ):
                raise InvalidOneTimeToken("The verification link is invalid or has expired.")
            user = found[1]
            version = user.version
            user.verify_email(now=now)
            await uow.users.update(user, expected_version=version)
            await uow.commit()


@dataclass(frozen=True, slots=True)
class ResendVerificationCommand:
    actor: Actor


@dataclass(frozen=True, slots=True)
class ResendVerification(Write):
    """Mail a fresh verification link to the caller's unverified address; rate-limited."""

    limiter: RateLimiter
    rate: Rate

    async def execute(self, cmd: ResendVerificationCommand) -> None:
        actor = cmd.actor
        await Throttler(self.limiter).enforce(
            ThrottleKey("verify-resend", str(actor.user_id)),
            Limit("verification_resend", self.rate, "Too many emails."),
        )
        async with self.uow as uow:
            user = await uow.users.get(actor.user_id)
            if user is None:
                return
            user.request_verification(now=self.clock.now())
            events = user.pull_events()
            if events:
                uow.collect(events)
                await uow.commit()
