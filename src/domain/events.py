"""Domain events: facts in the past tense, collected by aggregates and written to the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class UserRegistered(DomainEvent):
    user_id: UUID
    email: str


@dataclass(frozen=True, slots=True)
class PasswordResetRequested(DomainEvent):
    """Someone asked to reset the password of `email`, which may have no account at all."""

    email: str


@dataclass(frozen=True, slots=True)
class PostPublished(DomainEvent):
    post_id: UUID
    author_id: UUID


@dataclass(frozen=True, slots=True)
class UserFollowed(DomainEvent):
    follower_id: UUID
    followee_id: UUID


@dataclass(frozen=True, slots=True)
class EmailVerificationRequested(DomainEvent):
    """A (new) address needs verifying: after an email change, or when the user asks again."""

    user_id: UUID
    email: str
