"""Social: follows."""

from __future__ import annotations

from dependency_injector import providers

from application.social import follows
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.persistence import Persistence


class Social(Persistence):
    follow_user = providers.Factory(
        follows.FollowUser, uow=Persistence.uow, clock=Infrastructure.clock
    )
    unfollow_user = providers.Factory(follows.UnfollowUser, uow=Persistence.uow)
