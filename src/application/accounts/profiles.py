"""Reading accounts: who sees which view of whom (OWASP API3, property-level exposure).

An account's email and flags (is_admin, is_active, email_verified) are the account's own
business and its administrators'. Anyone else signed in sees a public profile: what a
publishing site shows beside a post. Listing every account is for administrators."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from application.errors import Forbidden, NotFound
from application.pagination import Cursors, Page
from application.ports.repositories import Keyset
from application.ports.uow import ReadUnitOfWork
from application.views import Actor, PublicProfileView, UserView


class UserShape(enum.Enum):
    FULL = "full"
    PUBLIC = "public"


def shape_seen_by(viewer: Actor, user_id: UUID) -> UserShape:
    """The one rule: the account itself and administrators see the full view. Edges that
    cache a user's view key it by this shape, so one viewer's shape never reaches another."""
    return UserShape.FULL if viewer.is_admin or viewer.user_id == user_id else UserShape.PUBLIC


@dataclass(frozen=True, slots=True)
class GetUserQuery:
    viewer: Actor
    user_id: UUID


@dataclass(frozen=True, slots=True)
class GetUser:
    """The full view for the account itself and administrators, a public profile (no email,
    no account flags) for everyone else."""

    uow: ReadUnitOfWork

    async def execute(self, query: GetUserQuery) -> UserView | PublicProfileView:
        async with self.uow as uow:
            user = await uow.users.get(query.user_id)
        if user is None:
            raise NotFound("User not found.")
        if shape_seen_by(query.viewer, query.user_id) is UserShape.FULL:
            return UserView.of(user)
        return PublicProfileView.of(user)


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    viewer: Actor
    limit: int
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ListUsers:
    """Administrators only: a directory of every account would hand anyone the addresses and
    the administrators. Oldest first, keyset pages."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def execute(self, query: ListUsersQuery) -> Page[UserView]:
        if not query.viewer.is_admin:
            raise Forbidden("Only administrators may list accounts.")
        after = self.cursors.decode(query.cursor, "users")
        async with self.uow as uow:
            users = await uow.users.list(after=after, limit=query.limit + 1)
        return self.cursors.page(
            users, query.limit, lambda u: Keyset(u.created_at, u.id), UserView.of, "users"
        )
