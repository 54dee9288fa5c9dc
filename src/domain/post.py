from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.aggregate import Aggregate
from domain.errors import PostAlreadyPublished
from domain.events import PostPublished
from domain.values import Body, Title


class PostStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(eq=False, kw_only=True)
class Post(Aggregate):
    author_id: UUID
    title: Title
    body: Body
    status: PostStatus = PostStatus.DRAFT
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def draft(cls, id: UUID, author_id: UUID, title: Title, body: Body, *, now: datetime) -> Post:
        return cls(
            id=id, author_id=author_id, title=title, body=body, created_at=now, updated_at=now
        )

    @property
    def is_published(self) -> bool:
        return self.status is PostStatus.PUBLISHED

    def edit(self, *, title: Title | None, body: Body | None, now: datetime) -> None:
        """Change what differs; an edit that changes nothing leaves the version alone."""
        new_title = title if title is not None else self.title
        new_body = body if body is not None else self.body
        if (new_title, new_body) != (self.title, self.body):
            self.title, self.body = new_title, new_body
            self._touch(now)

    def publish(self, *, now: datetime) -> None:
        """A post is published once; publishing again is a rule violation, not a no-op."""
        if self.is_published:
            raise PostAlreadyPublished("The post is already published.")
        self.status = PostStatus.PUBLISHED
        self.published_at = now
        self._touch(now)
        self.events.append(
            PostPublished(occurred_at=now, post_id=self.id, author_id=self.author_id)
        )

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
