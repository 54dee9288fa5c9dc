"""What use cases return: frozen snapshots, never live entities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.post import Post
from domain.user import User


@dataclass(frozen=True, slots=True)
class UserView:
    id: UUID
    email: str
    name: str
    is_active: bool
    is_admin: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            email=user.email.value,
            name=user.name.value,
            is_active=user.is_active,
            is_admin=user.is_admin,
            email_verified=user.email_verified_at is not None,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@dataclass(frozen=True, slots=True)
class PublicProfileView:
    """What anyone signed in sees of another account: no email, no account flags."""

    id: UUID
    name: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> PublicProfileView:
        return cls(id=user.id, name=user.name.value, created_at=user.created_at)


@dataclass(frozen=True, slots=True)
class PostView:
    id: UUID
    author_id: UUID
    title: str
    body: str
    status: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, post: Post) -> PostView:
        return cls(
            id=post.id,
            author_id=post.author_id,
            title=post.title.value,
            body=post.body.value,
            status=post.status.value,
            published_at=post.published_at,
            created_at=post.created_at,
            updated_at=post.updated_at,
            version=post.version,
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of a use case."""

    user_id: UUID
    is_admin: bool
    session_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    device_token: str | None = None  # a login's only: the client is a known device from now
