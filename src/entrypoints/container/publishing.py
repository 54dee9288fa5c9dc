"""Publishing: posts and the feed."""

from __future__ import annotations

from dependency_injector import providers

from application import posts
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.operations import Operations
from entrypoints.container.persistence import Persistence

clock = Infrastructure.clock
uow = Persistence.uow
read_uow = Persistence.read_uow
cursors = Infrastructure.cursors
auditor = Operations.auditor


class Publishing(Operations):
    # With an Idempotency-Key the draft and the key's answer need one transaction: `uow`,
    # made only then (its provider is passed, not an instance).
    create_post = providers.Factory(
        posts.CreatePost,
        uow=Persistence.single_statement_uow,
        keyed_uow=uow.provider,
        keys=Operations.idempotency_keys,
        clock=clock,
        ids=Infrastructure.ids,
    )
    get_post = providers.Factory(posts.GetPost, uow=read_uow)
    update_post = providers.Factory(posts.UpdatePost, uow=uow, clock=clock, auditor=auditor)
    publish_post = providers.Factory(posts.PublishPost, uow=uow, clock=clock, auditor=auditor)
    delete_post = providers.Factory(posts.DeletePost, uow=uow, auditor=auditor)
    list_posts = providers.Factory(posts.ListPosts, uow=read_uow, cursors=cursors)
    get_feed = providers.Factory(posts.GetFeed, uow=read_uow, cursors=cursors)
