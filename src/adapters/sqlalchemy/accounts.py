"""Accounts in SQL: users. All SQL lives in repositories; rows map to domain entities by
hand: no ORM identity map, no lazy loads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.lookalikes import skeleton_key
from adapters.sqlalchemy.statements import after_keyset
from adapters.sqlalchemy.tables import follows, posts, refresh_tokens, users
from application.errors import ConcurrentUpdate, EmailAlreadyRegistered
from application.ports.changes import Changes, UserChanged, UserDeleted
from application.ports.repositories import AuthState, Keyset, UserRepository
from application.ports.text import ConfusableSkeleton
from domain.errors import InvalidEmail
from domain.user import User
from domain.values import Email, Name


def _user_row(user: User, skeletons: ConfusableSkeleton) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email.value,
        "email_skeleton": skeleton_key(skeletons, user.email),
        "name": user.name.value,
        "password_hash": user.password_hash,
        "is_active": user.is_active,
        "is_admin": user.is_admin,
        "email_verified_at": user.email_verified_at,
        "token_version": user.token_version,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "version": user.version,
    }


def _user(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        email=Email(m["email"]),
        name=Name(m["name"]),
        password_hash=m["password_hash"],
        is_active=m["is_active"],
        is_admin=m["is_admin"],
        email_verified_at=m["email_verified_at"],
        token_version=m["token_version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
    )


def _is_email_conflict(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "email" in text and ("unique" in text or "duplicate" in text)


class SqlAlchemyUserRepository(UserRepository):
    def __init__(
        self, conn: AsyncConnection, changes: Changes, skeletons: ConfusableSkeleton
    ) -> None:
        self._conn = conn
        self._changes = changes
        self._skeletons = skeletons

    async def add(self, user: User) -> None:
        try:
            await self._conn.execute(insert(users).values(_user_row(user, self._skeletons)))
        except IntegrityError as exc:
            if _is_email_conflict(exc):
                raise EmailAlreadyRegistered() from None
            raise

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.id == user_id))).first()
        return _user(row) if row else None

    async def auth_state(self, user_id: UUID, session_id: UUID) -> AuthState | None:
        alive = (
            exists()
            .where(refresh_tokens.c.family_id == session_id, refresh_tokens.c.revoked_at.is_(None))
            .label("session_active")
        )
        stmt = select(users.c.is_active, users.c.is_admin, users.c.token_version, alive).where(
            users.c.id == user_id
        )
        row = (await self._conn.execute(stmt)).first()
        return AuthState(*row) if row else None

    async def get_by_email(self, email: Email) -> User | None:
        row = (await self._conn.execute(select(users).where(users.c.email == email.value))).first()
        return _user(row) if row else None

    async def get_by_lookalike(self, email: Email) -> User | None:
        key = skeleton_key(self._skeletons, email)
        row = (await self._conn.execute(select(users).where(users.c.email_skeleton == key))).first()
        if row:
            return _user(row)
        # Rows the release before 0004 wrote during a rolling deploy have no key until the
        # backfill: keyed here, so a lookalike of one is refused meanwhile. Few, and none after.
        unkeyed = await self._conn.execute(select(users).where(users.c.email_skeleton.is_(None)))
        for row in unkeyed:
            try:
                if skeleton_key(self._skeletons, Email(row.email)) == key:
                    return _user(row)
            except InvalidEmail:
                continue  # an address the rules now refuse: the backfill's survey names it
        return None

    async def update(self, user: User, *, expected_version: int) -> None:
        stmt = (
            update(users)
            .where(users.c.id == user.id, users.c.version == expected_version)
            .values(_user_row(user, self._skeletons))
        )
        try:
            result = await self._conn.execute(stmt)
        except IntegrityError as exc:
            if _is_email_conflict(exc):
                raise EmailAlreadyRegistered() from None
            raise
        if result.rowcount != 1:
            raise ConcurrentUpdate("The user was changed concurrently.")
        self._changes.record(UserChanged(user.id))

    async def delete(self, user_id: UUID) -> None:
        their_posts = await self._conn.execute(
            select(posts.c.id).where(posts.c.author_id == user_id)
        )
        self._changes.record(UserDeleted(user_id, tuple(p for (p,) in their_posts)))
        # Explicit, not only ON DELETE CASCADE: correct even where foreign keys are off.
        await self._conn.execute(
            delete(follows).where(
                or_(follows.c.follower_id == user_id, follows.c.followee_id == user_id)
            )
        )
        await self._conn.execute(delete(refresh_tokens).where(refresh_tokens.c.user_id == user_id))
        await self._conn.execute(delete(posts).where(posts.c.author_id == user_id))
        await self._conn.execute(delete(users).where(users.c.id == user_id))

    async def list(self, *, after: Keyset | None, limit: int) -> Sequence[User]:
        stmt = select(users).order_by(users.c.created_at, users.c.id).limit(limit)
        if after is not None:
            stmt = stmt.where(after_keyset(users.c.created_at, users.c.id, after, descending=False))
        return [_user(r) for r in await self._conn.execute(stmt)]
