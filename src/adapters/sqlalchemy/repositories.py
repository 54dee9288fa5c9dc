"""All SQL lives here. Rows map to domain entities by hand: no ORM identity map, no lazy loads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.driver import DriverInsert
from adapters.sqlalchemy.lookalikes import skeleton_key
from adapters.sqlalchemy.tables import follows, posts, refresh_tokens, users
from application.errors import ConcurrentUpdate, EmailAlreadyRegistered
from application.ports.cache import (
    PUBLISHED_POSTS,
    feed_namespace,
    post_namespace,
    touched_by_post_write,
    user_namespace,
)
from application.ports.repositories import (
    AuthState,
    FollowRepository,
    Keyset,
    PostRepository,
    RefreshTokenRepository,
    UserRepository,
)
from application.ports.text import ConfusableSkeleton
from domain.errors import InvalidEmail
from domain.follow import Follow
from domain.post import Post, PostStatus
from domain.session import RefreshToken
from domain.user import User
from domain.values import Body, Email, Name, Title


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


def _after(
    at_col: ColumnElement[Any], id_col: ColumnElement[Any], after: Keyset, *, descending: bool
) -> ColumnElement[bool]:
    key = tuple_(at_col, id_col)
    bound = tuple_(
        bindparam(None, after.at, type_=at_col.type), bindparam(None, after.id, type_=id_col.type)
    )
    return key < bound if descending else key > bound


class SqlAlchemyUserRepository(UserRepository):
    def __init__(
        self, conn: AsyncConnection, touched: set[str], skeletons: ConfusableSkeleton
    ) -> None:
        self._conn = conn
        self._touched = touched
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
        self._touched.add(user_namespace(user.id))

    async def delete(self, user_id: UUID) -> None:
        their_posts = await self._conn.execute(
            select(posts.c.id).where(posts.c.author_id == user_id)
        )
        self._touched.update(
            [
                user_namespace(user_id),
                PUBLISHED_POSTS,
                *(post_namespace(p) for (p,) in their_posts),
            ]
        )
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
            stmt = stmt.where(_after(users.c.created_at, users.c.id, after, descending=False))
        return [_user(r) for r in await self._conn.execute(stmt)]


def _post_row(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "author_id": post.author_id,
        "title": post.title.value,
        "body": post.body.value,
        "status": post.status.value,
        "published_at": post.published_at,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "version": post.version,
    }


def _post(row: Row[Any]) -> Post:
    m = row._mapping
    return Post(
        id=m["id"],
        author_id=m["author_id"],
        title=Title(m["title"]),
        body=Body(m["body"]),
        status=PostStatus(m["status"]),
        published_at=m["published_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
    )


_INSERT_POST = insert(posts)
_DRIVER_INSERT_POST = DriverInsert(posts)


class SqlAlchemyPostRepository(PostRepository):
    def __init__(
        self, conn: AsyncConnection, touched: set[str], *, driver_inserts: bool = False
    ) -> None:
        self._conn = conn
        self._touched = touched
        self._driver_inserts = driver_inserts  # see adapters/sqlalchemy/driver.py

    async def add(self, post: Post) -> None:
        if self._driver_inserts:
            await _DRIVER_INSERT_POST.run(self._conn, _post_row(post))
            return
        # Parameters, not .values(): no statement to build per call (~10% of a create).
        await self._conn.execute(_INSERT_POST, _post_row(post))

    async def get(self, post_id: UUID) -> Post | None:
        row = (await self._conn.execute(select(posts).where(posts.c.id == post_id))).first()
        return _post(row) if row else None

    async def update(self, post: Post, *, expected_version: int) -> None:
        result = await self._conn.execute(
            update(posts)
            .where(posts.c.id == post.id, posts.c.version == expected_version)
            .values(_post_row(post))
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate("The post was changed concurrently.")
        self._touched.update(touched_by_post_write(post.id, post.is_published))

    async def delete(self, post_id: UUID) -> None:
        await self._conn.execute(delete(posts).where(posts.c.id == post_id))
        self._touched.update(touched_by_post_write(post_id, True))

    async def list_published(
        self, *, author_id: UUID | None, after: Keyset | None, limit: int
    ) -> Sequence[Post]:
        stmt = _NEWEST_PUBLISHED[("author" if author_id else "all", after is not None)]
        params = {"author_id": author_id, **_page_params(after, limit)}
        return [_post(r) for r in await self._conn.execute(stmt, params)]

    async def feed(self, follower_id: UUID, *, after: Keyset | None, limit: int) -> Sequence[Post]:
        stmt = _NEWEST_PUBLISHED[("feed", after is not None)]
        params = {"follower_id": follower_id, **_page_params(after, limit)}
        return [_post(r) for r in await self._conn.execute(stmt, params)]


def _newest_published(scope: str, paged: bool) -> Select[Any]:
    stmt = (
        select(posts)
        .where(posts.c.status == PostStatus.PUBLISHED.value)
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
        .limit(bindparam("limit"))
    )
    if scope == "author":
        stmt = stmt.where(posts.c.author_id == bindparam("author_id"))
    elif scope == "feed":
        followed = select(follows.c.followee_id).where(
            follows.c.follower_id == bindparam("follower_id")
        )
        stmt = stmt.where(posts.c.author_id.in_(followed))
    if paged:
        key = tuple_(posts.c.published_at, posts.c.id)
        bound = tuple_(
            bindparam("after_at", type_=posts.c.published_at.type),
            bindparam("after_id", type_=posts.c.id.type),
        )
        stmt = stmt.where(key < bound)
    return stmt


# Built once: the hottest reads skip building a statement and computing its cache key.
_NEWEST_PUBLISHED = {
    (scope, paged): _newest_published(scope, paged)
    for scope in ("all", "author", "feed")
    for paged in (False, True)
}


def _page_params(after: Keyset | None, limit: int) -> dict[str, Any]:
    if after is None:
        return {"limit": limit}
    return {"limit": limit, "after_at": after.at, "after_id": after.id}


class SqlAlchemyFollowRepository(FollowRepository):
    def __init__(self, conn: AsyncConnection, touched: set[str]) -> None:
        self._conn = conn
        self._touched = touched  # a follow or unfollow changes the follower's feed

    async def add(self, follow: Follow) -> bool:
        # A concurrent follow of the same pair is not an error, and needs no savepoint.
        stmt = on_conflict_do_nothing(self._conn, follows, "follower_id", "followee_id").values(
            follower_id=follow.follower_id,
            followee_id=follow.followee_id,
            created_at=follow.created_at,
        )
        result = await self._conn.execute(stmt)
        if result.rowcount != 1:
            return False
        self._touched.add(feed_namespace(follow.follower_id))
        return True

    async def remove(self, follower_id: UUID, followee_id: UUID) -> None:
        result = await self._conn.execute(
            delete(follows).where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )
        if result.rowcount:
            self._touched.add(feed_namespace(follower_id))

    async def exists(self, follower_id: UUID, followee_id: UUID) -> bool:
        stmt = select(
            exists().where(
                follows.c.follower_id == follower_id, follows.c.followee_id == followee_id
            )
        )
        return bool((await self._conn.execute(stmt)).scalar())

    async def followers(
        self, followee_id: UUID, *, after: UUID | None, limit: int
    ) -> Sequence[UUID]:
        stmt = (
            select(follows.c.follower_id)
            .where(follows.c.followee_id == followee_id)
            .order_by(follows.c.follower_id)
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(follows.c.follower_id > after)
        return list((await self._conn.execute(stmt)).scalars())


def on_conflict_do_nothing(conn: AsyncConnection, table: Any, *columns: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect (SQLite or Postgres)."""
    insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return insert_(table).on_conflict_do_nothing(index_elements=list(columns))


def _refresh(row: Row[Any]) -> RefreshToken:
    return RefreshToken(**row._mapping)


_INSERT_REFRESH_TOKEN = insert(refresh_tokens)  # built once; rows come as parameters


class SqlAlchemyRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, conn: AsyncConnection, touched: set[str]) -> None:
        self._conn = conn
        self._touched = touched  # a revoked session invalidates its owner's cached auth state

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(
            _INSERT_REFRESH_TOKEN,
            {
                "id": token.id,
                "family_id": token.family_id,
                "user_id": token.user_id,
                "token_hash": token.token_hash,
                "created_at": token.created_at,
                "expires_at": token.expires_at,
                "used_at": token.used_at,
                "revoked_at": token.revoked_at,
            },
        )

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        stmt = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(stmt)).first()
        return _refresh(row) if row else None

    async def mark_used(self, token_id: UUID, now: datetime) -> bool:
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def revoke_family(self, family_id: UUID, now: datetime) -> bool:
        owners = await self._conn.execute(
            select(refresh_tokens.c.user_id)
            .where(refresh_tokens.c.family_id == family_id)
            .distinct()
        )
        self._touched.update(user_namespace(owner) for (owner,) in owners)
        return await self._revoke(refresh_tokens.c.family_id == family_id, now) > 0

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, except_family: UUID | None = None
    ) -> None:
        self._touched.add(user_namespace(user_id))
        condition = refresh_tokens.c.user_id == user_id
        if except_family is not None:
            condition = and_(condition, refresh_tokens.c.family_id != except_family)
        await self._revoke(condition, now)

    async def purge_expired(self, now: datetime) -> int:
        result = await self._conn.execute(
            delete(refresh_tokens).where(refresh_tokens.c.expires_at <= now)
        )
        return result.rowcount

    async def _revoke(self, condition: ColumnElement[bool], now: datetime) -> int:
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(condition, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount
