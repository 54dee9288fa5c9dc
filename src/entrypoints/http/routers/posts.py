from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.errors import NotFound
from application.operations.idempotency import Idempotency
from application.pagination import Page, PageQuery
from application.ports.idempotency import StoredResponse
from application.publishing.posts import CreatePostCommand, PostCommand, UpdatePostCommand
from application.publishing.reads import GetPostQuery, ListPostsQuery
from application.views import PostView
from entrypoints.container import Container
from entrypoints.http import caching
from entrypoints.http.deps import (
    ContainerDep,
    CurrentActor,
    IfMatch,
    OptionalActor,
    RequestOrigin,
    etag,
)
from entrypoints.http.idempotency import idempotent, idempotent_create
from entrypoints.http.openapi import operation_id
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import (
    PageOut,
    PostCreate,
    PostOut,
    PostUpdate,
    post_json,
    problem_responses,
)

router = APIRouter(prefix=API_PREFIX, tags=["posts"], generate_unique_id_function=operation_id)

_READ = problem_responses(401, 404)  # 401: a bearer was sent and is not valid
_WRITE = problem_responses(401, 403, 404, 409, 412)
# Anonymous readers see published posts; authors and admins also see their drafts.
OPTIONAL_BEARER: dict[str, Any] = {"security": [{}]}

_POST = {"post_id": "$response.body#/id"}
_POST_AT_VERSION = {**_POST, "header.if-match": "$response.header.ETag"}
_ETAG = {
    "description": "The post's version; send it back in If-Match to change the post safely",
    "required": True,
    "schema": {"type": "string"},
}
_LINKS = {
    "GetPost": {"operationId": "get_post", "parameters": _POST},
    "UpdatePost": {"operationId": "update_post", "parameters": _POST_AT_VERSION},
    "PublishPost": {"operationId": "publish_post", "parameters": _POST_AT_VERSION},
    "DeletePost": {"operationId": "delete_post", "parameters": _POST_AT_VERSION},
}
_A_POST: dict[str, Any] = {"headers": {"ETag": _ETAG}, "links": _LINKS}
_CREATED: dict[str, Any] = {
    "headers": {
        "ETag": _ETAG,
        "Location": {
            "description": "The post's URL",
            "required": True,
            "schema": {"type": "string"},
        },
    },
    "links": _LINKS,
}
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
JSON = "application/json"
DEFAULT_PAGE_SIZE = 20


def _post_response(view: PostView, status_code: int = 200, **headers: str) -> Response:
    headers["ETag"] = etag(view.version)
    return Response(post_json(view), status_code=status_code, headers=headers, media_type=JSON)


@router.post("/posts", **idempotent_create(PostOut, _CREATED, 401, 409))
async def create_post(
    body: PostCreate, actor: CurrentActor, container: ContainerDep, request: Request
) -> Response:
    """Creates a draft. Send an `Idempotency-Key` header to make retries safe."""

    async def run(idempotency: Idempotency[PostView] | None) -> PostView:
        return await container.create_post().execute(
            CreatePostCommand(
                actor=actor, title=body.title, body=body.body, idempotency=idempotency
            )
        )

    return await idempotent(request, container, f"user:{actor.user_id}", run, _created)


def _created(view: PostView) -> StoredResponse:
    headers = {
        "ETag": etag(view.version),
        "Location": f"/api/v1/posts/{view.id}",
        "Content-Type": JSON,
    }
    return StoredResponse(201, headers, post_json(view))


def _page_json(page: Page[PostView]) -> bytes:
    return PageOut[PostOut].model_validate(page, from_attributes=True).model_dump_json().encode()


@router.get("/posts", response_model=PageOut[PostOut], responses=problem_responses(400))
async def list_posts(
    container: ContainerDep,
    author_id: UUID | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Response:
    """Published posts, newest first. Pages of the default size are cached, deep ones too
    (not those of one author: any id can be asked for, and each would take a cache entry)."""

    async def load() -> bytes:
        query = ListPostsQuery(author_id, limit, cursor)
        return _page_json(await container.list_posts().execute(query))

    if limit != DEFAULT_PAGE_SIZE or author_id is not None:
        return Response(await load(), media_type=JSON)
    # A cursor the API did not issue for this list fails in load() (400) and is never
    # stored: every cached page is one a real cursor names. Any change to a published post
    # retires them all.
    body = await caching.published_page(container.read_through(), cursor, load)
    return Response(body, media_type=JSON)


async def _public_post(container: Container, post_id: UUID) -> bytes:
    view = await container.get_post().execute(GetPostQuery(None, post_id))
    return etag(view.version).encode() + b"\n" + post_json(view)


@router.get(
    "/posts/{post_id:uuid}",
    response_model=PostOut,
    responses={200: _A_POST, **_READ},
    openapi_extra=OPTIONAL_BEARER,
)
async def get_post(post_id: UUID, actor: OptionalActor, container: ContainerDep) -> Response:
    """Published posts come from the cache (loaded as an anonymous reader, so a cached entry
    is never a draft); drafts are read from the database for their author or an admin."""
    try:
        cached = await caching.public_post(
            container.read_through(), post_id, lambda: _public_post(container, post_id)
        )
    except NotFound:
        if actor is None:
            raise
        return _post_response(await container.get_post().execute(GetPostQuery(actor, post_id)))
    tag, body = cached.split(b"\n", 1)
    return Response(body, media_type=JSON, headers={"ETag": tag.decode()})


@router.patch("/posts/{post_id:uuid}", response_model=PostOut, responses={200: _A_POST, **_WRITE})
async def update_post(
    post_id: UUID,
    body: PostUpdate,
    actor: CurrentActor,
    container: ContainerDep,
    expected: IfMatch,
    origin: RequestOrigin,
) -> Response:
    view = await container.update_post().execute(
        UpdatePostCommand(
            actor=actor,
            post_id=post_id,
            title=body.title,
            body=body.body,
            if_match=expected,
            origin=origin,
        )
    )
    return _post_response(view)


@router.post(
    "/posts/{post_id:uuid}/publish", response_model=PostOut, responses={200: _A_POST, **_WRITE}
)
async def publish_post(
    post_id: UUID,
    actor: CurrentActor,
    container: ContainerDep,
    expected: IfMatch,
    origin: RequestOrigin,
) -> Response:
    cmd = PostCommand(actor, post_id, expected, origin)
    return _post_response(await container.publish_post().execute(cmd))


@router.delete("/posts/{post_id:uuid}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def delete_post(
    post_id: UUID,
    actor: CurrentActor,
    container: ContainerDep,
    expected: IfMatch,
    origin: RequestOrigin,
) -> Response:
    await container.delete_post().execute(PostCommand(actor, post_id, expected, origin))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/feed", response_model=PageOut[PostOut], responses=problem_responses(400, 401))
async def feed(
    actor: CurrentActor,
    container: ContainerDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Response:
    """Published posts of the users you follow, newest first. Pages of the default size are
    cached per reader, until the reader follows or unfollows or a published post changes."""

    async def load() -> bytes:
        return _page_json(await container.get_feed().execute(PageQuery(actor, limit, cursor)))

    if limit != DEFAULT_PAGE_SIZE:
        return Response(await load(), media_type=JSON)
    body = await caching.feed_page(container.read_through(), actor.user_id, cursor, load)
    return Response(body, media_type=JSON)
