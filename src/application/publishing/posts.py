"""Posts: drafts, publishing, edits, reads, lists and the feed.

Visibility rule shared by every use case here: a draft exists only for its author and for
admins (everyone else gets NotFound, so drafts cannot be probed); a published post is
readable by anyone and changeable only by its author or an admin (others get Forbidden).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.errors import Forbidden, NotFound, PreconditionFailed
from application.operations.audit import NO_ORIGIN, Auditor, Origin
from application.operations.idempotency import Idempotency, IdempotencyKeys
from application.pagination import Cursors, Page
from application.ports.repositories import Keyset
from application.ports.system import Clock, IdGenerator
from application.ports.uow import DraftInserts, ReadUnitOfWork, UnitOfWork
from application.views import Actor, PostView
from domain.audit import AuditKind, Details
from domain.post import Post
from domain.values import Body, Title


def _can_manage(post: Post, actor: Actor | None) -> bool:
    return actor is not None and (actor.is_admin or actor.user_id == post.author_id)


def _visible(post: Post | None, actor: Actor | None) -> Post:
    if post is None or not (post.is_published or _can_manage(post, actor)):
        raise NotFound("Post not found.")
    return post


def _manageable(post: Post | None, actor: Actor, if_match: frozenset[int] | None) -> Post:
    post = _visible(post, actor)
    if not _can_manage(post, actor):
        raise Forbidden("Only the author or an administrator may change this post.")
    if if_match is not None and post.version not in if_match:
        raise PreconditionFailed(
            "If-Match names no current version of the post: it changed since you read it, or "
            "the tag is not one this API sent (send the ETag quoted, as received)."
        )
    return post


async def _audit_if_admin_of_other(
    auditor: Auditor,
    uow: UnitOfWork,
    kind: AuditKind,
    post: Post,
    actor: Actor,
    origin: Origin,
    details: Details,
) -> None:
    """An administrator acting on someone else's post is audited; authors are not."""
    if actor.user_id != post.author_id:
        await auditor.record(
            uow,
            kind,
            origin,
            actor_id=actor.user_id,
            subject_id=post.author_id,
            details={"post_id": str(post.id), **details},
        )


def _published_key(post: Post) -> Keyset:
    assert post.published_at is not None
    return Keyset(post.published_at, post.id)


@dataclass(frozen=True, slots=True)
class CreatePostCommand:
    actor: Actor
    title: str
    body: str
    idempotency: Idempotency[PostView] | None = None


@dataclass(frozen=True, slots=True)
class CreatePost:
    """Every new post starts as a draft of its caller. Without an Idempotency-Key its whole
    change is one insert and no event: `drafts` stores it as a statement of its own. With a
    key, the draft and the key's answer are written in one transaction (a unit of work from
    `keyed_uow`): one key, one post."""

    drafts: DraftInserts
    keyed_uow: Callable[[], UnitOfWork]
    keys: IdempotencyKeys
    clock: Clock
    ids: IdGenerator

    async def execute(self, cmd: CreatePostCommand) -> PostView:
        post = Post.draft(
            self.ids.new(),
            cmd.actor.user_id,
            Title(cmd.title),
            Body(cmd.body),
            now=self.clock.now(),
        )
        view = PostView.of(post)
        if cmd.idempotency is None:
            await self.drafts.insert(post)
            return view
        async with self.keyed_uow() as uow:
            # The key first: a concurrent repeat waits on it and writes nothing at all.
            await self.keys.remember(uow, cmd.idempotency, view)
            await uow.posts.add(post)
            await uow.commit()
        return view


@dataclass(frozen=True, slots=True)
class GetPost:
    uow: ReadUnitOfWork

    async def execute(self, actor: Actor | None, post_id: UUID) -> PostView:
        async with self.uow as uow:
            post = _visible(await uow.posts.get(post_id), actor)
        return PostView.of(post)


@dataclass(frozen=True, slots=True)
class UpdatePostCommand:
    actor: Actor
    post_id: UUID
    title: str | None = None
    body: str | None = None
    if_match: frozenset[int] | None = None  # versions the caller accepts; None = any
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class UpdatePost:
    uow: UnitOfWork
    clock: Clock
    auditor: Auditor

    async def execute(self, cmd: UpdatePostCommand) -> PostView:
        title = Title(cmd.title) if cmd.title is not None else None
        body = Body(cmd.body) if cmd.body is not None else None
        async with self.uow as uow:
            post = _manageable(await uow.posts.get(cmd.post_id), cmd.actor, cmd.if_match)
            version, old_title, old_body = post.version, post.title, post.body
            post.edit(title=title, body=body, now=self.clock.now())
            if post.version != version:  # an empty or no-op PATCH writes nothing
                await uow.posts.update(post, expected_version=version)
                edits = (("title", post.title != old_title), ("body", post.body != old_body))
                fields = [name for name, changed in edits if changed]
                await _audit_if_admin_of_other(
                    self.auditor,
                    uow,
                    AuditKind.ADMIN_POST_UPDATED,
                    post,
                    cmd.actor,
                    cmd.origin,
                    {"fields": fields},
                )
                await uow.commit()
        return PostView.of(post)


@dataclass(frozen=True, slots=True)
class PublishPost:
    """Only the author or an admin may publish; publishing twice is rejected."""

    uow: UnitOfWork
    clock: Clock
    auditor: Auditor

    async def execute(
        self,
        actor: Actor,
        post_id: UUID,
        if_match: frozenset[int] | None = None,
        origin: Origin = NO_ORIGIN,
    ) -> PostView:
        async with self.uow as uow:
            post = _manageable(await uow.posts.get(post_id), actor, if_match)
            version = post.version
            post.publish(now=self.clock.now())
            await uow.posts.update(post, expected_version=version)
            uow.collect(post.pull_events())
            await _audit_if_admin_of_other(
                self.auditor, uow, AuditKind.ADMIN_POST_PUBLISHED, post, actor, origin, {}
            )
            await uow.commit()
        return PostView.of(post)


@dataclass(frozen=True, slots=True)
class DeletePost:
    uow: UnitOfWork
    auditor: Auditor

    async def execute(
        self,
        actor: Actor,
        post_id: UUID,
        if_match: frozenset[int] | None = None,
        origin: Origin = NO_ORIGIN,
    ) -> None:
        async with self.uow as uow:
            post = _manageable(await uow.posts.get(post_id), actor, if_match)
            await uow.posts.delete(post.id)
            details: Details = {"title": post.title.value[:200], "status": post.status.value}
            await _audit_if_admin_of_other(
                self.auditor, uow, AuditKind.ADMIN_POST_DELETED, post, actor, origin, details
            )
            await uow.commit()


@dataclass(frozen=True, slots=True)
class ListPosts:
    """Published posts only, newest first; optionally one author's."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def execute(
        self, *, author_id: UUID | None, limit: int, cursor: str | None
    ) -> Page[PostView]:
        scope = "posts" if author_id is None else f"posts:author:{author_id}"
        after = self.cursors.decode(cursor, scope)
        async with self.uow as uow:
            posts = await uow.posts.list_published(
                author_id=author_id, after=after, limit=limit + 1
            )
        return self.cursors.page(posts, limit, _published_key, PostView.of, scope)


@dataclass(frozen=True, slots=True)
class GetFeed:
    """Published posts of the users the caller follows, newest first."""

    uow: ReadUnitOfWork
    cursors: Cursors

    async def execute(self, actor: Actor, *, limit: int, cursor: str | None) -> Page[PostView]:
        scope = f"feed:{actor.user_id}"
        after = self.cursors.decode(cursor, scope)
        async with self.uow as uow:
            posts = await uow.posts.feed(actor.user_id, after=after, limit=limit + 1)
        return self.cursors.page(posts, limit, _published_key, PostView.of, scope)
