"""Accounts: registration, changes, deletion (reads: `profiles`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from application.audit import NO_ORIGIN, Auditor, Origin, user_changes
from application.errors import EmailAlreadyRegistered, Forbidden, NotFound, RateLimited
from application.idempotency import Idempotency, IdempotencyKeys
from application.ports.limits import Rate, RateLimiter
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from application.views import Actor, UserView
from domain.audit import AuditKind, Details
from domain.user import User
from domain.values import Email, Name, check_password_policy


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str
    name: str
    is_admin: bool = False
    client: str | None = None  # None: a trusted caller (CLI), not rate limited
    idempotency: Idempotency[UserView] | None = None


class RegisterUser:
    """Anyone may register; an email address belongs to one account, and so do all the
    addresses a reader could take for it (case, width, lookalike letters such as Cyrillic
    U+0430 "a", accents: the confusable skeleton).
    Only trusted callers (the admin CLI) may register an administrator, which is audited.
    Registrations are limited per client address. With an Idempotency-Key, the key's answer
    is written first and commits with the account, so of concurrent repeats one registers
    and the others meet the key (IdempotencyKeyInUse), never the account."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        ids: IdGenerator,
        limiter: RateLimiter,
        per_client: Rate,
        auditor: Auditor,
        keys: IdempotencyKeys,
    ) -> None:
        self._uow = uow
        self._keys = keys
        self._hasher = hasher
        self._clock = clock
        self._ids = ids
        self._limiter = limiter
        self._per_client = per_client
        self._auditor = auditor

    async def execute(self, cmd: RegisterUserCommand) -> UserView:
        if cmd.client is not None:
            decision = await self._limiter.hit(f"register:client:{cmd.client}", self._per_client)
            if not decision.allowed:
                raise RateLimited(
                    "Too many registrations.", decision.retry_after_seconds, "registration"
                )
        email, name = Email(cmd.email), Name(cmd.name)
        password_hash = await self._hasher.hash(check_password_policy(cmd.password))
        user = User.register(
            self._ids.new(),
            email,
            name,
            password_hash,
            now=self._clock.now(),
            is_admin=cmd.is_admin,
        )
        view = UserView.of(user)
        async with self._uow as uow:
            if cmd.idempotency is not None:
                # The key before the address: a concurrent repeat waits on the key and
                # replays this answer, instead of meeting this account (a 409).
                await self._keys.remember(uow, cmd.idempotency, view)
            if await uow.users.get_by_lookalike(email) is not None:
                raise EmailAlreadyRegistered()
            await uow.users.add(user)
            uow.collect(user.pull_events())
            if cmd.is_admin:
                await self._auditor.record(
                    uow,
                    AuditKind.ADMIN_CREATED,
                    NO_ORIGIN,
                    subject_id=user.id,
                    details={"email": user.email.value, "via": "cli"},
                )
            await uow.commit()
        return view


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    actor: Actor
    user_id: UUID
    name: str | None = None
    email: str | None = None
    new_password: str | None = None
    current_password: str | None = None
    is_admin: bool | None = None
    is_active: bool | None = None
    origin: Origin = NO_ORIGIN


class CurrentPasswordRequired(Forbidden):
    pass


class UpdateUser:
    """Users change their own profile; admins change anyone's.
    - is_admin and is_active are for admins only.
    - Changing your own email or password needs your current password; a new address may
      not be another account's or a lookalike of it (as at registration).
    - An email or password change ends every other session of that user (the caller's own
      session survives through its refresh token); deactivation ends all of them.
    - Audited with the change: email and password changes, and whatever an admin changes on
      another account or on anyone's is_admin/is_active (the field names, never values but
      those two flags).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        limiter: RateLimiter,
        password_checks: Rate,
        auditor: Auditor,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._limiter = limiter
        self._password_checks = password_checks
        self._auditor = auditor

    async def execute(self, cmd: UpdateUserCommand) -> UserView:
        actor, is_self = cmd.actor, cmd.actor.user_id == cmd.user_id
        if not (is_self or actor.is_admin):
            raise Forbidden("You may only change your own account.")
        if (cmd.is_admin is not None or cmd.is_active is not None) and not actor.is_admin:
            raise Forbidden("Only administrators may change is_admin or is_active.")
        name = Name(cmd.name) if cmd.name is not None else None
        email = Email(cmd.email) if cmd.email is not None else None
        new_password = (
            check_password_policy(cmd.new_password) if cmd.new_password is not None else None
        )
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get(cmd.user_id)
            if user is None:
                raise NotFound("User not found.")
            if is_self and (email is not None or new_password is not None):
                await self._check_current_password(user, cmd.current_password)
            expected_version, token_version = user.version, user.token_version
            before = dataclasses.replace(user, events=[])
            if name is not None:
                user.rename(name, now=now)
            if email is not None and email != user.email:
                holder = await uow.users.get_by_lookalike(email)
                if holder is not None and holder.id != user.id:
                    raise EmailAlreadyRegistered()
                user.change_email(email, now=now)
            if new_password is not None:
                user.change_password(await self._hasher.hash(new_password), now=now)
            if user.token_version != token_version:
                keep = actor.session_id if is_self else None
                await uow.refresh_tokens.revoke_all_for_user(user.id, now, except_family=keep)
            if cmd.is_admin is not None:
                user.set_admin(cmd.is_admin, now=now)
            if cmd.is_active is not None:
                user.set_active(cmd.is_active, now=now)
                if not cmd.is_active:
                    await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            if user.version != expected_version:
                await uow.users.update(user, expected_version=expected_version)
                uow.collect(user.pull_events())  # a new address is mailed a verification link
                await self._audit(uow, cmd, before, user)
                await uow.commit()
        return UserView.of(user)

    async def _audit(
        self, uow: UnitOfWork, cmd: UpdateUserCommand, before: User, after: User
    ) -> None:
        changed = user_changes(before, after)
        events: list[tuple[AuditKind, Details]] = []
        if "email" in changed:
            addresses = {"previous_email": before.email.value, "new_email": after.email.value}
            events.append((AuditKind.EMAIL_CHANGED, dict(addresses)))
        if "password" in changed:
            events.append((AuditKind.PASSWORD_CHANGED, {}))
        powers = sorted({"is_admin", "is_active"} & set(changed))
        if cmd.actor.is_admin and changed and (cmd.actor.user_id != after.id or powers):
            flags: Details = {name: getattr(after, name) for name in powers}
            events.append((AuditKind.ADMIN_USER_UPDATED, {"fields": changed, **flags}))
        for kind, details in events:
            await self._auditor.record(
                uow,
                kind,
                cmd.origin,
                actor_id=cmd.actor.user_id,
                subject_id=after.id,
                details=details,
            )

    async def _check_current_password(self, user: User, current: str | None) -> None:
        """Throttled like a login: a stolen access token must not become a password oracle."""
        decision = await self._limiter.hit(f"password-check:{user.id}", self._password_checks)
        if not decision.allowed:
            raise RateLimited(
                "Too many password checks.", decision.retry_after_seconds, "password_check"
            )
        if current is None or not await self._hasher.verify(user.password_hash, current):
            raise CurrentPasswordRequired(
                "current_password is required and must be correct to change email or password."
            )


class DeleteUser:
    """Administrators only; the user's posts, follows and sessions go with them. The audit
    event keeps the address, since the account it names is gone."""

    def __init__(self, uow: UnitOfWork, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def execute(self, actor: Actor, user_id: UUID, origin: Origin = NO_ORIGIN) -> None:
        if not actor.is_admin:
            raise Forbidden("Only administrators may delete users.")
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("User not found.")
            await uow.users.delete(user_id)
            await self._auditor.record(
                uow,
                AuditKind.ADMIN_USER_DELETED,
                origin,
                actor_id=actor.user_id,
                subject_id=user_id,
                details={"email": user.email.value},
            )
            await uow.commit()
