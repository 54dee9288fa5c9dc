"""Changing an account: the rules every change shares, applied in one transaction.

- Users change their own account; admins change anyone's (`authorize`).
- Changing your own email or password needs your current password, checked at most as often
  as a login may be tried against one account from one client: a stolen access token must not
  become a password oracle.
- The sessions a change ends (the domain's rule, `User.pull_ending_sessions`) are revoked
  with it; the caller's own session survives a change to their own credentials.
- Audited with the change: email and password changes, and whatever an admin changes on
  another account or on anyone's is_admin/is_active (the field names, never values but
  those two flags).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.errors import Forbidden, NotFound
from application.operations.audit import Auditor, Origin, user_changes
from application.ports.limits import Rate, RateLimiter
from application.ports.security import PasswordHasher
from application.ports.system import Clock
from application.ports.uow import UnitOfWork
from application.throttling import Limit, ThrottleKey, Throttler
from application.views import Actor, UserView
from domain.audit import AuditKind, Details
from domain.user import SessionsEnd, User


class CurrentPasswordRequired(Forbidden):
    pass


class Change(Protocol):
    """One field's change, parsed and checked against the actor's rights."""

    @property
    def is_credential(self) -> bool:
        """Needs the current password when users change their own account."""
        ...

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None: ...


def authorize(actor: Actor, user_id: UUID, *, powers: bool = False) -> None:
    """Before anything is parsed: `powers` is a change to is_admin or is_active."""
    if not (actor.user_id == user_id or actor.is_admin):
        raise Forbidden("You may only change your own account.")
    if powers and not actor.is_admin:
        raise Forbidden("Only administrators may change is_admin or is_active.")


async def end_sessions(
    uow: UnitOfWork, user: User, now: datetime, caller_session: UUID | None
) -> None:
    """Revoke the refresh tokens of the sessions the user's changes ended. `caller_session`
    is the session that made them, if it is the user's own."""
    ending = user.pull_ending_sessions()
    if ending is not None:
        keep = caller_session if ending is SessionsEnd.OTHERS else None
        await uow.refresh_tokens.revoke_all_for_user(user.id, now, except_family=keep)


@dataclass(frozen=True, slots=True)
class AccountEdit:
    actor: Actor
    user_id: UUID
    changes: Sequence[Change]
    origin: Origin
    current_password: str | None = None


@dataclass(frozen=True, slots=True)
class AccountEditor:
    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock
    limiter: RateLimiter
    password_checks: Rate
    auditor: Auditor

    async def apply(self, edit: AccountEdit) -> UserView:
        """Load, check, change, revoke, audit and commit, or change nothing."""
        actor, is_self, now = edit.actor, edit.actor.user_id == edit.user_id, self.clock.now()
        async with self.uow as uow:
            user = await uow.users.get(edit.user_id)
            if user is None:
                raise NotFound("User not found.")
            if is_self and any(change.is_credential for change in edit.changes):
                await self._check_current_password(user, edit.current_password)
            expected_version = user.version
            before = dataclasses.replace(user, events=[])
            for change in edit.changes:
                await change.apply(uow, user, now)
            await end_sessions(uow, user, now, actor.session_id if is_self else None)
            if user.version != expected_version:
                await uow.users.update(user, expected_version=expected_version)
                uow.collect(user.pull_events())  # a new address is mailed a verification link
                await self._audit(uow, edit, before, user)
                await uow.commit()
        return UserView.of(user)

    async def _audit(self, uow: UnitOfWork, edit: AccountEdit, before: User, after: User) -> None:
        changed = user_changes(before, after)
        events: list[tuple[AuditKind, Details]] = []
        if "email" in changed:
            addresses = {"previous_email": before.email.value, "new_email": after.email.value}
            events.append((AuditKind.EMAIL_CHANGED, dict(addresses)))
        if "password" in changed:
            events.append((AuditKind.PASSWORD_CHANGED, {}))
        powers = sorted({"is_admin", "is_active"} & set(changed))
        actor = edit.actor
        if actor.is_admin and changed and (actor.user_id != after.id or powers):
            flags: Details = {name: getattr(after, name) for name in powers}
            events.append((AuditKind.ADMIN_USER_UPDATED, {"fields": changed, **flags}))
        for kind, details in events:
            await self.auditor.record(
                uow, kind, edit.origin, actor_id=actor.user_id, subject_id=after.id, details=details
            )

    async def _check_current_password(self, user: User, current: str | None) -> None:
        limit = Limit("password_check", self.password_checks, "Too many password checks.")
        await Throttler(self.limiter).enforce(ThrottleKey("password-check", str(user.id)), limit)
        if current is None or not await self.hasher.verify(user.password_hash, current):
            raise CurrentPasswordRequired(
                "current_password is required and must be correct to change email or password."
            )
