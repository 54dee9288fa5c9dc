"""Registering and deleting accounts."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.errors import EmailAlreadyRegistered, Forbidden, NotFound
from application.operations.audit import NO_ORIGIN, Auditor, Origin
from application.operations.idempotency import Idempotency, IdempotencyKeys
from application.ports.limits import Rate, RateLimiter
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from application.throttling import Limit, ThrottleKey, Throttler
from application.views import Actor, UserView
from domain.audit import AuditKind
from domain.user import User
from domain.values import Email, Name, check_password_policy


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str
    name: str
    is_admin: bool = False
    origin: Origin = NO_ORIGIN  # no client: a trusted caller (CLI), not rate limited
    idempotency: Idempotency[UserView] | None = None


@dataclass(frozen=True, slots=True)
class RegisterUser:
    """Anyone may register; an email address belongs to one account, and so do all the
    addresses a reader could take for it (case, width, lookalike letters such as Cyrillic
    U+0430 "a", accents: the confusable skeleton).
    Only trusted callers (the admin CLI) may register an administrator, which is audited.
    Registrations are limited per client address. With an Idempotency-Key, the key's answer
    is written first and commits with the account, so of concurrent repeats one registers
    and the others meet the key (IdempotencyKeyInUse), never the account."""

    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock
    ids: IdGenerator
    limiter: RateLimiter
    per_client: Rate
    auditor: Auditor
    keys: IdempotencyKeys

    async def execute(self, cmd: RegisterUserCommand) -> UserView:
        if cmd.origin.client is not None:
            limit = Limit("registration", self.per_client, "Too many registrations.")
            key = ThrottleKey("register:client", cmd.origin.client)
            await Throttler(self.limiter).enforce(key, limit)
        email, name = Email(cmd.email), Name(cmd.name)
        password_hash = await self.hasher.hash(check_password_policy(cmd.password))
        user = User.register(
            self.ids.new(),
            email,
            name,
            password_hash,
            now=self.clock.now(),
            is_admin=cmd.is_admin,
        )
        view = UserView.of(user)
        async with self.uow as uow:
            if cmd.idempotency is not None:
                # The key before the address: a concurrent repeat waits on the key and
                # replays this answer, instead of meeting this account (a 409).
                await self.keys.remember(uow, cmd.idempotency, view)
            if await uow.users.get_by_lookalike(email) is not None:
                raise EmailAlreadyRegistered()
            await uow.users.add(user)
            uow.collect(user.pull_events())
            if cmd.is_admin:
                await self.auditor.record(
                    uow,
                    AuditKind.ADMIN_CREATED,
                    NO_ORIGIN,
                    subject_id=user.id,
                    details={"email": user.email.value, "via": "cli"},
                )
            await uow.commit()
        return view


@dataclass(frozen=True, slots=True)
class DeleteUserCommand:
    actor: Actor
    user_id: UUID
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class DeleteUser:
    """Administrators only; the user's posts, follows and sessions go with them. The audit
    event keeps the address, since the account it names is gone."""

    uow: UnitOfWork
    auditor: Auditor

    async def execute(self, cmd: DeleteUserCommand) -> None:
        if not cmd.actor.is_admin:
            raise Forbidden("Only administrators may delete users.")
        async with self.uow as uow:
            user = await uow.users.get(cmd.user_id)
            if user is None:
                raise NotFound("User not found.")
            await uow.users.delete(cmd.user_id)
            await self.auditor.record(
                uow,
                AuditKind.ADMIN_USER_DELETED,
                cmd.origin,
                actor_id=cmd.actor.user_id,
                subject_id=cmd.user_id,
                details={"email": user.email.value},
            )
            await uow.commit()
