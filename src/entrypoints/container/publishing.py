"""Publishing: posts and the feed."""

from __future__ import annotations

from dependency_injector import providers

from application.publishing import posts, reads
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.operations import Operations, audited
from entrypoints.container.persistence import Persistence, paged


class Publishing(Operations):
    # With an Idempotency-Key the draft and the key's answer need one transaction: `uow`,
    # made only then (its provider is passed, not an instance).
    create_post = providers.Factory(
        posts.CreatePost,
        drafts=Persistence.draft_inserts,
        keyed_uow=Persistence.uow.provider,
        keys=Operations.idempotency_keys,
        clock=Infrastructure.clock,
        ids=Infrastructure.ids,
    )
    get_post = providers.Factory(reads.GetPost, uow=Persistence.read_uow)
    update_post = providers.Factory(posts.UpdatePost, **audited)
    publish_post = providers.Factory(posts.PublishPost, **audited)
    delete_post = providers.Factory(posts.DeletePost, **audited)
    list_posts = providers.Factory(reads.ListPosts, **paged)
    get_feed = providers.Factory(reads.GetFeed, **paged)
