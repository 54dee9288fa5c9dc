from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.errors import SelfFollowRejected
from domain.events import DomainEvent, UserFollowed


@dataclass(kw_only=True)
class Follow:
    """follower -> followee. Identified by the pair; following twice changes nothing."""

    follower_id: UUID
    followee_id: UUID
    created_at: datetime
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def start(cls, follower_id: UUID, followee_id: UUID, *, now: datetime) -> Follow:
        if follower_id == followee_id:
            raise SelfFollowRejected("You cannot follow yourself.")
        follow = cls(follower_id=follower_id, followee_id=followee_id, created_at=now)
        follow.events.append(
            UserFollowed(occurred_at=now, follower_id=follower_id, followee_id=followee_id)
        )
        return follow

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events
