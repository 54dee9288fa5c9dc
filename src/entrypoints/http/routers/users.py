from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.audit import Origin
from application.pagination import Page
from application.ports.cache import user_namespace
from application.users import RegisterUserCommand, UpdateUserCommand
from application.views import Actor, UserView
from entrypoints.container import Container
from entrypoints.http.deps import ClientAddress, ContainerDep, CurrentActor, RequestOrigin
from entrypoints.http.idempotency import idempotent
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import (
    PageOut,
    UserCreate,
    UserOut,
    UserUpdate,
    problem_responses,
    user_json,
)

JSON = "application/json"

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"])

_AUTH = problem_responses(401)
_WRITE = problem_responses(401, 403, 404, 409)
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=problem_responses(409, 422, 429),
)
async def register(
    body: UserCreate, container: ContainerDep, request: Request, client: ClientAddress
) -> Response:
    """Public registration, limited per client address. Send an `Idempotency-Key` header to
    make retries safe."""

    async def run() -> Response:
        view = await container.register_user().execute(
            RegisterUserCommand(body.email, body.password, body.name, client=client)
        )
        headers = {"Location": f"/api/v1/users/{view.id}"}
        return Response(user_json(view), status_code=201, headers=headers, media_type=JSON)

    ttl = container.settings().idempotency_ttl_seconds
    return await idempotent(request, container.idempotency(), f"client:{client}", ttl, run)


async def _cached_user(container: Container, user_id: UUID) -> Response:
    async def load() -> bytes:
        return user_json(await container.get_user().execute(user_id))

    body = await container.read_through().get(user_namespace(user_id), "", load)
    return Response(body, media_type=JSON)


@router.get("/me", response_model=UserOut, responses=_AUTH)
async def me(actor: CurrentActor, container: ContainerDep) -> Response:
    return await _cached_user(container, actor.user_id)


async def _update(
    container: Container, actor: Actor, user_id: UUID, body: UserUpdate, origin: Origin
) -> UserView:
    return await container.update_user().execute(
        UpdateUserCommand(
            actor=actor, user_id=user_id, origin=origin, **body.model_dump(exclude_unset=True)
        )
    )


@router.patch("/me", response_model=UserOut, responses=_WRITE)
async def update_me(
    body: UserUpdate, actor: CurrentActor, container: ContainerDep, origin: RequestOrigin
) -> UserView:
    return await _update(container, actor, actor.user_id, body, origin)


@router.get("", response_model=PageOut[UserOut], responses=_AUTH)
async def list_users(
    _actor: CurrentActor, container: ContainerDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[UserView]:
    return await container.list_users().execute(limit=limit, cursor=cursor)


@router.get("/{user_id}", response_model=UserOut, responses=_WRITE)
async def get_user(user_id: UUID, _actor: CurrentActor, container: ContainerDep) -> Response:
    return await _cached_user(container, user_id)


@router.patch("/{user_id}", response_model=UserOut, responses=_WRITE)
async def update_user(
    user_id: UUID,
    body: UserUpdate,
    actor: CurrentActor,
    container: ContainerDep,
    origin: RequestOrigin,
) -> UserView:
    return await _update(container, actor, user_id, body, origin)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def delete_user(
    user_id: UUID, actor: CurrentActor, container: ContainerDep, origin: RequestOrigin
) -> Response:
    await container.delete_user().execute(actor, user_id, origin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{user_id}/follow", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def follow(user_id: UUID, actor: CurrentActor, container: ContainerDep) -> Response:
    await container.follow_user().execute(actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{user_id}/follow", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
async def unfollow(user_id: UUID, actor: CurrentActor, container: ContainerDep) -> Response:
    await container.unfollow_user().execute(actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
