from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from application.pagination import Page
from application.posts import CreatePostCommand, UpdatePostCommand
from application.views import PostView
from entrypoints.http.deps import ContainerDep, CurrentActor, IfMatch, OptionalActor, etag
from entrypoints.http.schemas import (
    PageOut,
    PostCreate,
    PostOut,
    PostUpdate,
    problem_responses,
)

router = APIRouter(tags=["posts"])

_AUTH = problem_responses(401)
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 412)
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


def _with_etag(response: Response, view: PostView) -> PostView:
    response.headers["ETag"] = etag(view.version)
    return view


@router.post("/posts", status_code=status.HTTP_201_CREATED, response_model=PostOut, responses=_AUTH)
async def create_post(
    body: PostCreate, actor: CurrentActor, container: ContainerDep, response: Response
) -> PostView:
    view = await container.create_post().execute(
        CreatePostCommand(actor=actor, title=body.title, body=body.body)
    )
    response.headers["Location"] = f"/api/v1/posts/{view.id}"
    return _with_etag(response, view)


@router.get("/posts", response_model=PageOut[PostOut])
async def list_posts(
    container: ContainerDep,
    author_id: UUID | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[PostView]:
    """Published posts, newest first."""
    return await container.list_posts().execute(author_id=author_id, limit=limit, cursor=cursor)


@router.get("/posts/{post_id}", response_model=PostOut, responses=_READ)
async def get_post(
    post_id: UUID, actor: OptionalActor, container: ContainerDep, response: Response
) -> PostView:
    return _with_etag(response, await container.get_post().execute(actor, post_id))


@router.patch("/posts/{post_id}", response_model=PostOut, responses=_WRITE)
async def update_post(
    post_id: UUID,
    body: PostUpdate,
    actor: CurrentActor,
    container: ContainerDep,
    expected: IfMatch,
    response: Response,
) -> PostView:
    view = await container.update_post().execute(
        UpdatePostCommand(
            actor=actor,
            post_id=post_id,
            title=body.title,
            body=body.body,
            if_match=expected,
        )
    )
    return _with_etag(response, view)


@router.post("/posts/{post_id}/publish", response_model=PostOut, responses=_WRITE)
async def publish_post(
    post_id: UUID,
    actor: CurrentActor,
    container: ContainerDep,
    expected: IfMatch,
    response: Response,
) -> PostView:
    view = await container.publish_post().execute(actor, post_id, expected)
    return _with_etag(response, view)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def delete_post(
    post_id: UUID, actor: CurrentActor, container: ContainerDep, expected: IfMatch
) -> Response:
    await container.delete_post().execute(actor, post_id, expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/feed", response_model=PageOut[PostOut], responses=_AUTH)
async def feed(
    actor: CurrentActor, container: ContainerDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[PostView]:
    """Published posts of the users you follow, newest first."""
    return await container.get_feed().execute(actor, limit=limit, cursor=cursor)
