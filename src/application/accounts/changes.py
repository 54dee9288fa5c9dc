"""The changes a user or an admin makes to an account, one use case each, and the PATCH
that makes several in one transaction (`UpdateUser`). Shared rules: application.accounts.editing;
which sessions a change ends: domain.user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.accounts.editing import AccountEdit, AccountEditor, Change, authorize
from application.errors import EmailAlreadyRegistered
from application.operations.audit import NO_ORIGIN, Origin
from application.ports.security import PasswordHasher
from application.ports.uow import UnitOfWork
from application.views import Actor, UserView
from domain.user import User
from domain.values import Email, Name, check_password_policy


@dataclass(frozen=True, slots=True)
class Rename:
    name: Name
    is_credential = False

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        user.rename(self.name, now=now)


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
class Admin:
    is_admin: bool
    is_credential = False

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        user.set_admin(self.is_admin, now=now)


@dataclass(frozen=True, slots=True)
class Activation:
    is_active: bool
    is_credential = False

    async def apply(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        user.set_active(self.is_active, now=now)


async def _edit(
    editor: AccountEditor,
    cmd: RenameUserCommand | ChangeEmailCommand | ChangePasswordCommand | SetFlagCommand,
    change: Callable[[], Change],
    *,
    powers: bool = False,
) -> UserView:
    """Authorize first, then parse (`change`): a stranger learns nothing from a 422."""
    authorize(cmd.actor, cmd.user_id, powers=powers)
    current = getattr(cmd, "current_password", None)
    return await editor.apply(AccountEdit(cmd.actor, cmd.user_id, [change()], cmd.origin, current))


@dataclass(frozen=True, slots=True)
class RenameUserCommand:
    actor: Actor
    user_id: UUID
    name: str
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class RenameUser:
    editor: AccountEditor

    async def execute(self, cmd: RenameUserCommand) -> UserView:
        return await _edit(self.editor, cmd, lambda: Rename(Name(cmd.name)))


@dataclass(frozen=True, slots=True)
class ChangeEmailCommand:
    actor: Actor
    user_id: UUID
    email: str
    current_password: str | None = None
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class ChangeEmail:
    """The new address is unverified and mailed a verification link; other sessions end."""

    editor: AccountEditor

    async def execute(self, cmd: ChangeEmailCommand) -> UserView:
        return await _edit(self.editor, cmd, lambda: NewEmail(Email(cmd.email)))


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    actor: Actor
    user_id: UUID
    new_password: str
    current_password: str | None = None
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class ChangePassword:
    """The new password must pass the policy; other sessions end."""

    editor: AccountEditor

    async def execute(self, cmd: ChangePasswordCommand) -> UserView:
        hasher = self.editor.hasher
        return await _edit(
            self.editor, cmd, lambda: NewPassword(check_password_policy(cmd.new_password), hasher)
        )


@dataclass(frozen=True, slots=True)
class SetFlagCommand:
    """Set is_admin (SetAdmin) or is_active (SetActive) to `value`."""

    actor: Actor
    user_id: UUID
    value: bool
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class SetAdmin:
    """Administrators only."""

    editor: AccountEditor

    async def execute(self, cmd: SetFlagCommand) -> UserView:
        return await _edit(self.editor, cmd, lambda: Admin(cmd.value), powers=True)


@dataclass(frozen=True, slots=True)
class SetActive:
    """Administrators only; a deactivation ends every session of the user."""

    editor: AccountEditor

    async def execute(self, cmd: SetFlagCommand) -> UserView:
        return await _edit(self.editor, cmd, lambda: Activation(cmd.value), powers=True)


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
            changes.append(Rename(Name(cmd.name)))
        if cmd.email is not None:
            changes.append(NewEmail(Email(cmd.email)))
        if cmd.new_password is not None:
            password = check_password_policy(cmd.new_password)
            changes.append(NewPassword(password, self.editor.hasher))
        if cmd.is_admin is not None:
            changes.append(Admin(cmd.is_admin))
        if cmd.is_active is not None:
            changes.append(Activation(cmd.is_active))
        edit = AccountEdit(cmd.actor, cmd.user_id, changes, cmd.origin, cmd.current_password)
        return await self.editor.apply(edit)
