"""Login: email + password -> a session, throttled (application.accounts.login_throttle)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import NoReturn
from uuid import UUID

from application.accounts.login_throttle import LoginThrottle, Refused
from application.accounts.sessions import SessionIssuer
from application.errors import ConcurrentUpdate, InvalidCredentials, RateLimited
from application.operations.audit import NO_ORIGIN, Auditor, Origin
from application.ports.security import (
    PasswordHasher,
)
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from application.views import TokenPair
from domain.audit import AuditKind, Details
from domain.errors import InvalidEmail
from domain.user import User
from domain.values import Email, address_key


@dataclass(frozen=True, slots=True)
class LoginCommand:
    email: str
    password: str
    origin: Origin = NO_ORIGIN
    device_token: str | None = None  # what the client presented, if anything


@dataclass(frozen=True, slots=True)
class _Refused:
    """Why a login failed: for the audit log only; the caller always gets one error."""

    reason: str  # wrong_password | unknown_account | inactive_account | invalid_email
    user_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Authenticate:
    """Email + password -> a new session, and a device token for the client, bound to the
    account's token_version so that it dies with the credentials it was earned with (see
    application.accounts.login_throttle for how attempts are limited). Unknown emails, wrong
    passwords and deactivated accounts get the same error after the same amount of hashing
    work. A hash made with old parameters is upgraded on a successful login.

    Audit: a success is recorded with the session it opens; a failure, with its reason, in a
    transaction of its own (the login's own transaction rolls back); a throttled attempt
    once per limit and key per window, so a flood of refused requests cannot flood the log.
    An unknown address is never stored: a keyed fingerprint of it is."""

    uow: UnitOfWork
    hasher: PasswordHasher
    issuer: SessionIssuer
    clock: Clock
    ids: IdGenerator
    throttle: LoginThrottle
    auditor: Auditor

    async def execute(self, cmd: LoginCommand) -> TokenPair:
        account = address_key(cmd.email)
        origin, client = cmd.origin, cmd.origin.client or ""
        # Only a client presenting a device token costs this read, known address or not.
        version = await self._token_version(account) if cmd.device_token else None
        attempt = await self.throttle.admit(account, client, cmd.device_token, version)
        if isinstance(attempt, Refused):
            await self._refuse(attempt, account, origin)
        outcome = await self._login(cmd, origin)
        if isinstance(outcome, _Refused):
            await self.throttle.failed(attempt)
            details: Details = {"reason": outcome.reason}
            if outcome.user_id is None:
                details["account_fingerprint"] = attempt.account_fingerprint
            await self.auditor.record(
                self.uow,
                AuditKind.LOGIN_FAILED,
                origin,
                subject_id=outcome.user_id,
                details=details,
                alone=True,
            )
            raise InvalidCredentials()
        pair, version = outcome
        device_token = await self.throttle.succeeded(attempt, account, version)
        return replace(pair, device_token=device_token)

    async def _token_version(self, account: str) -> int | None:
        """What a device token must have been issued under: the account's current
        token_version (one indexed read by address), None for an address without one."""
        async with self.uow as uow:
            user = await _user_of(uow, account)
        return user.token_version if user is not None else None

    async def _login(self, cmd: LoginCommand, origin: Origin) -> tuple[TokenPair, int] | _Refused:
        """The new session and the token_version it was opened under, or why not."""
        try:
            email = Email(cmd.email)
        except InvalidEmail:
            await self.hasher.burn(cmd.password)
            return _Refused("invalid_email")
        async with self.uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                await self.hasher.burn(cmd.password)
                return _Refused("unknown_account")
            if not await self.hasher.verify(user.password_hash, cmd.password):
                return _Refused("wrong_password", user.id)
            if not user.is_active:
                return _Refused("inactive_account", user.id)
            if self.hasher.needs_rehash(user.password_hash):
                await self._upgrade_hash(uow, user, cmd.password)
            session = self.ids.new()
            pair = await self.issuer.issue(uow, user.id, user.token_version, session)
            await self.auditor.record(
                uow,
                AuditKind.LOGIN_SUCCEEDED,
                origin,
                subject_id=user.id,
                details={"session_id": str(session)},
            )
            await uow.commit()
        return pair, user.token_version

    async def _refuse(self, refused: Refused, account: str, origin: Origin) -> NoReturn:
        """Raise RateLimited, recording it once per limit and key per window. For a
        per-account limit the account is named: its id, or the fingerprint of an unknown
        address."""
        limit = refused.throttle.limit
        if await self.throttle.first_refusal_in_window(refused):
            details: Details = {"limit": limit}
            per_account = limit in ("account-client", "account")
            async with self.uow as uow:
                user = await _user_of(uow, account) if per_account else None
                if per_account and user is None:
                    details["account_fingerprint"] = refused.account_fingerprint
                await self.auditor.record(
                    uow,
                    AuditKind.LOGIN_THROTTLED,
                    origin,
                    subject_id=user.id if user is not None else None,
                    details=details,
                )
                await uow.commit()
        metric_name = "login_" + limit.replace("-", "_")
        retry_after = refused.decision.retry_after_seconds
        raise RateLimited("Too many login attempts.", retry_after, metric_name)

    async def _upgrade_hash(self, uow: UnitOfWork, user: User, password: str) -> None:
        version = user.version
        user.rehash_password(await self.hasher.hash(password), now=self.clock.now())
        # A concurrent login may have upgraded it first; then nothing is lost by skipping.
        with contextlib.suppress(ConcurrentUpdate):
            await uow.users.update(user, expected_version=version)


async def _user_of(uow: UnitOfWork, account: str) -> User | None:
    try:
        return await uow.users.get_by_email(Email(account))
    except InvalidEmail:
        return None
