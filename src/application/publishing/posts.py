"""Posts: drafts, publishing, edits and deletion (reads: `publishing.reads`).

Visibility rule shared by every publishing use case: a draft exists only for its author and for
admins (everyone else gets NotFound, so drafts cannot be probed); a published post is
readable by anyone and changeable only by its author or an admin (others get Forbidden).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from application.errors import Forbidden, NotFound, PreconditionFailed
from application.operations.audit import NO_ORIGIN, Auditor, Origin
from application.operations.idempotency import Idempotency, IdempotencyKeys
from application.ports.system import Clock, IdGenerator
from application.ports.uow import DraftInserts, UnitOfWork
from application.use_cases import Write
from application.views import Actor, PostView
from domain.audit import AuditKind, Details
from domain.post import Post
from domain.values import Body, Title


def _can_manage(post: Post, actor: Actor | None) -> bool:
    return actor is not None and (actor.is_admin or actor.user_id == post.author_id)


def visible(post: Post | None, actor: Actor | None) -> Post:
    if post is None or not (post.is_published or _can_manage(post, actor)):
        raise NotFound("Post not found.")
    return post


def _manageable(post: Post | None, actor: Actor, if_match: frozenset[int] | None) -> Post:
    post = visible(post, actor)
    if not _can_manage(post, actor):
        raise Forbidden("Only the author or an administrator may change this post.")
    if if_match is not None and post.version not in if_match:
        raise PreconditionFailed(
            "If-Match names no current version of the post: it changed since you read it, or "
            "the tag is not one this API sent (send the ETag quoted, as received)."
        )
    return post


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
class PostCommand:
    """`actor` changes `post_id`, holding one of the versions in `if_match` (None: any)."""

    actor: Actor
    post_id: UUID
    if_match: frozenset[int] | None = None
    origin: Origin = NO_ORIGIN


@dataclass(frozen=True, slots=True)
class UpdatePostCommand(PostCommand):
    title: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class _PostChange(Write):
    """The one way every change of an existing post is made (audited)."""

    auditor: Auditor

    async def _change(
        self,
        cmd: PostCommand,
        kind: AuditKind,
        apply: Callable[[UnitOfWork, Post], Awaitable[Details | None]],
    ) -> Post:
        """Load the post if the actor may change it, `apply` the change (its audit details,
        or None when it changed nothing: then nothing is written), then audit an
        administrator acting on someone else's post (authors are not audited) and commit."""
        async with self.uow as uow:
            post = _manageable(await uow.posts.get(cmd.post_id), cmd.actor, cmd.if_match)
            details = await apply(uow, post)
            if details is None:
                return post
            if cmd.actor.user_id != post.author_id:
                await self.auditor.record(
                    uow,
                    kind,
                    cmd.origin,
                    actor_id=cmd.actor.user_id,
                    subject_id=post.author_id,
                    details={"post_id": str(post.id), **details},
                )
            await uow.commit()
        return post


@dataclass(frozen=True, slots=True)
class UpdatePost(_PostChange):
    async def execute(self, cmd: UpdatePostCommand) -> PostView:
        title = Title(cmd.title) if cmd.title is not None else None
        body = Body(cmd.body) if cmd.body is not None else None

        async def edit(uow: UnitOfWork, post: Post) -> Details | None:
            version, old_title, old_body = post.version, post.title, post.body
            post.edit(title=title, body=body, now=self.clock.now())
            if post.version == version:  # an empty or no-op PATCH writes nothing
                return None
            await uow.posts.update(post, expected_version=version)
            edits = (("title", post.title != old_title), ("body", post.body != old_body))
            return {"fields": [name for name, changed in edits if changed]}

        return PostView.of(await self._change(cmd, AuditKind.ADMIN_POST_UPDATED, edit))


@dataclass(frozen=True, slots=True)
class PublishPost(_PostChange):
    """Only the author or an admin may publish; publishing twice is rejected."""

    async def execute(self, cmd: PostCommand) -> PostView:
        return PostView.of(await self._change(cmd, AuditKind.ADMIN_POST_PUBLISHED, self._publish))

    async def _publish(self, uow: UnitOfWork, post: Post) -> Details:
        version = post.version
        post.publish(now=self.clock.now())
        await uow.posts.update(post, expected_version=version)
        uow.collect(post.pull_events())
        return {}


@dataclass(frozen=True, slots=True)
class DeletePost(_PostChange):
    async def execute(self, cmd: PostCommand) -> None:
        await self._change(cmd, AuditKind.ADMIN_POST_DELETED, _delete)


async def _delete(uow: UnitOfWork, post: Post) -> Details:
    await uow.posts.delete(post.id)
    return {"title": post.title.value[:200], "status": post.status.value}
