"""The changes a user or an admin makes to an account, one use case each, and the PATCH
that makes several in one transaction (`UpdateUser`). Shared rules: application.accounts.editing;
which sessions a change ends: domain.user."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Generic, TypeVar
from uuid import UUID

from application.accounts.editing import AccountEdit, AccountEditor, Change, authorize
from application.errors import EmailAlreadyRegistered
from application.operations.audit import NO_ORIGIN, Origin
from application.ports.security import PasswordHasher
from application.ports.uow import UnitOfWork
from application.views import Actor, UserView
from domain.user import User
from domain.values import Email, Name, check_password_policy

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Plain:
    """A change with no rule of its own (name, is_admin, is_active): one call on the user,
    made with a value already parsed; never a credential."""

    call: Callable[[User, datetime], None]
    is_credential = False

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        self.call(user, now)


def rename(name: Name) -> Change:
    return Plain(lambda user, now: user.rename(name, now=now))


def set_admin(is_admin: bool) -> Change:
    return Plain(lambda user, now: user.set_admin(is_admin, now=now))


def set_active(is_active: bool) -> Change:
    return Plain(lambda user, now: user.set_active(is_active, now=now))


@dataclass(frozen=True, slots=True)
class NewEmail:
    """A new address may not be another account's or a lookalike of it (as at registration)."""

    email: Email
    is_credential = True

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        if self.email != user.email:
            holder = await uow.users.get_by_lookalike(self.email)
            if holder is not None and holder.id != user.id:
                raise EmailAlreadyRegistered()
            user.change_email(self.email, now=now)


@dataclass(frozen=True, slots=True)
class NewPassword:
    password: str  # passed the policy
    hasher: PasswordHasher
    is_credential = True

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        user.change_password(await self.hasher.hash(self.password), now=now)


@dataclass(frozen=True, slots=True)
class AccountChangeCommand(Generic[T]):
    """One field's new `value`; `current_password` counts for email and password only."""

    actor: Actor
    user_id: UUID
    value: T
    current_password: str | None = None
    origin: Origin = NO_ORIGIN


# The names callers know; a subscripted alias would fail at call time (a frozen, slotted
# instance cannot take `__orig_class__`), and mypy infers T from `value` anyway.
RenameUserCommand = ChangeEmailCommand = ChangePasswordCommand = AccountChangeCommand
SetFlagCommand = AccountChangeCommand  # is_admin (SetAdmin) or is_active (SetActive)


@dataclass(frozen=True, slots=True)
class OneChange(ABC, Generic[T]):
    """A use case that makes one change (`change`). `powers`: administrators only."""

    editor: AccountEditor
    powers: ClassVar[bool] = False

    @abstractmethod
    def change(self, value: T) -> Change: ...

    async def execute(self, cmd: AccountChangeCommand[T]) -> UserView:
        """Authorize first, then parse: a stranger learns nothing from a 422."""
        authorize(cmd.actor, cmd.user_id, powers=self.powers)
        changes = [self.change(cmd.value)]
        edit = AccountEdit(cmd.actor, cmd.user_id, changes, cmd.origin, cmd.current_password)
        return await self.editor.apply(edit)


@dataclass(frozen=True, slots=True)
class RenameUser(OneChange[str]):
    def change(self, value: str) -> Change:
        return rename(Name(value))


@dataclass(frozen=True, slots=True)
class ChangeEmail(OneChange[str]):
    """The new address is unverified and mailed a verification link; other sessions end."""

    def change(self, value: str) -> Change:
        return NewEmail(Email(value))


@dataclass(frozen=True, slots=True)
class ChangePassword(OneChange[str]):
    """The new password must pass the policy; other sessions end."""

    def change(self, value: str) -> Change:
        return NewPassword(check_password_policy(value), self.editor.hasher)


@dataclass(frozen=True, slots=True)
class SetAdmin(OneChange[bool]):
    """Administrators only."""

    powers = True

    def change(self, value: bool) -> Change:
        return set_admin(value)


@dataclass(frozen=True, slots=True)
class SetActive(OneChange[bool]):
    """Administrators only; a deactivation ends every session of the user."""

    powers = True

    def change(self, value: bool) -> Change:
        return set_active(value)


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


@dataclass(frozen=True, slots=True)
class UpdateUser:
    """PATCH: the changes above that the command names, all or none, in one transaction."""

    editor: AccountEditor

    async def execute(self, cmd: UpdateUserCommand) -> UserView:
        powers = cmd.is_admin is not None or cmd.is_active is not None
        authorize(cmd.actor, cmd.user_id, powers=powers)
        changes: list[Change] = []
        if cmd.name is not None:
            changes.append(rename(Name(cmd.name)))
        if cmd.email is not None:
            changes.append(NewEmail(Email(cmd.email)))
        if cmd.new_password is not None:
            password = check_password_policy(cmd.new_password)
            changes.append(NewPassword(password, self.editor.hasher))
        if cmd.is_admin is not None:
            changes.append(set_admin(cmd.is_admin))
        if cmd.is_active is not None:
            changes.append(set_active(cmd.is_active))
        edit = AccountEdit(cmd.actor, cmd.user_id, changes, cmd.origin, cmd.current_password)
        return await self.editor.apply(edit)
