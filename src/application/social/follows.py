from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.errors import NotFound
from application.ports.uow import UnitOfWork
from application.use_cases import Write
from application.views import Actor
from domain.follow import Follow


@dataclass(frozen=True, slots=True)
class FollowCommand:
    """For FollowUser and UnfollowUser: `actor` follows or unfollows `followee_id`."""

    actor: Actor
    followee_id: UUID


@dataclass(frozen=True, slots=True)
class FollowUser(Write):
    """Follow an existing user. Following twice is a no-op (no second event)."""

    async def execute(self, cmd: FollowCommand) -> None:
        followee_id = cmd.followee_id
        follow = Follow.start(cmd.actor.user_id, followee_id, now=self.clock.now())
        async with self.uow as uow:
            followee = await uow.users.get(followee_id)
            if followee is None or not followee.is_active:
                raise NotFound("User not found.")
            if await uow.follows.add(follow):
                uow.collect(follow.pull_events())
                await uow.commit()


@dataclass(frozen=True, slots=True)
class UnfollowUser:
    """Unfollowing someone you do not follow is a no-op."""

    uow: UnitOfWork

    async def execute(self, cmd: FollowCommand) -> None:
        async with self.uow as uow:
            if await uow.users.get(cmd.followee_id) is None:
                raise NotFound("User not found.")
            await uow.follows.remove(cmd.actor.user_id, cmd.followee_id)
            await uow.commit()
