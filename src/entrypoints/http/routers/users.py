from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from application.accounts.changes import UpdateUserCommand
from application.accounts.profiles import GetUserQuery, ListUsersQuery, shape_seen_by
from application.accounts.registration import DeleteUserCommand, RegisterUserCommand
from application.operations.audit import Origin
from application.operations.idempotency import Idempotency
from application.pagination import Page
from application.ports.idempotency import StoredResponse
from application.social.follows import FollowCommand
from application.views import Actor, UserView
from domain.values import address_key
from entrypoints.container import Container
from entrypoints.http import caching
from entrypoints.http.deps import ContainerDep, CurrentActor, RequestOrigin
from entrypoints.http.idempotency import idempotent, idempotent_create
from entrypoints.http.openapi import operation_id
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import (
    PageOut,
    PublicProfileOut,
    UserCreate,
    UserOut,
    UserUpdate,
    problem_responses,
    user_json,
)

JSON = "application/json"

router = APIRouter(
    prefix=f"{API_PREFIX}/users", tags=["users"], generate_unique_id_function=operation_id
)

_USER = {"user_id": "$response.body#/id"}
_GET_USER = {"operationId": "get_user", "parameters": _USER}
_FOLLOW = {"operationId": "follow", "parameters": _USER}
_UNFOLLOW = {"operationId": "unfollow", "parameters": _USER}
_LOCATION = {"description": "The new user's URL", "required": True, "schema": {"type": "string"}}
_CREATED: dict[str, Any] = {
    "headers": {"Location": _LOCATION},
    "links": {"GetUser": _GET_USER, "FollowUser": _FOLLOW, "UnfollowUser": _UNFOLLOW},
}
_ME: dict[str, Any] = {
    "links": {
        "GetUser": _GET_USER,
        "UpdateUser": {"operationId": "update_user", "parameters": _USER},
    }
}
_EITHER_VIEW = {"description": "The full view for the account and admins, else a public profile"}
_UPDATE = problem_responses(401, 403, 404, 409, 429)  # 429: current_password is throttled
# Ids are routed as UUIDs (see routers/__init__.py), which also keeps `/users/me` from reading
# as a user id: `DELETE /users/me` is a 405 (Allow: GET, PATCH), not "me is not a valid UUID".
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.post("", **idempotent_create(UserOut, _CREATED, 409, 429))
async def register(
    body: UserCreate, container: ContainerDep, request: Request, origin: RequestOrigin
) -> Response:
    """Public registration, limited per client address. Send an `Idempotency-Key` header to
    make retries safe: keys are scoped by the address registered, so a retry from another
    network replays, and strangers behind one address never share keys."""

    async def run(idempotency: Idempotency[UserView] | None) -> UserView:
        return await container.register_user().execute(
            RegisterUserCommand(
                body.email, body.password, body.name, origin=origin, idempotency=idempotency
            )
        )

    # Keyed and normalised: spelling variants of one address share its keys, and the scope
    # tells a reader of the table nothing the key's answer does not.
    scope = f"address:{container.fingerprints().of(address_key(body.email))}"
    return await idempotent(request, container, scope, run, _registered)


def _registered(view: UserView) -> StoredResponse:
    headers = {"Location": f"/api/v1/users/{view.id}", "Content-Type": JSON}
    return StoredResponse(201, headers, user_json(view))


async def _cached_user(container: Container, viewer: Actor, user_id: UUID) -> Response:
    """One cache entry per shape: the full view cached for its owner or an admin is never
    served to anyone else."""
    query = GetUserQuery(viewer, user_id)

    async def load() -> bytes:
        return user_json(await container.get_user().execute(query))

    shape = shape_seen_by(viewer, user_id).value
    body = await caching.user_view(container.read_through(), user_id, shape, load)
    return Response(body, media_type=JSON)


@router.get("/me", response_model=UserOut, responses={200: _ME, **problem_responses(401)})
async def me(actor: CurrentActor, container: ContainerDep) -> Response:
    return await _cached_user(container, actor, actor.user_id)


async def _update(
    container: Container, actor: Actor, user_id: UUID, body: UserUpdate, origin: Origin
) -> UserView:
    return await container.update_user().execute(
        UpdateUserCommand(
            actor=actor, user_id=user_id, origin=origin, **body.model_dump(exclude_unset=True)
        )
    )


@router.patch("/me", response_model=UserOut, responses=_UPDATE)
async def update_me(
    body: UserUpdate, actor: CurrentActor, container: ContainerDep, origin: RequestOrigin
) -> UserView:
    return await _update(container, actor, actor.user_id, body, origin)


@router.get("", response_model=PageOut[UserOut], responses=problem_responses(400, 401, 403))
async def list_users(
    actor: CurrentActor, container: ContainerDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[UserView]:
    """Every account, oldest first: for administrators (others get 403)."""
    return await container.list_users().execute(ListUsersQuery(actor, limit, cursor))


@router.get(
    "/{user_id:uuid}",
    response_model=UserOut | PublicProfileOut,
    responses={200: _EITHER_VIEW, **problem_responses(401, 404)},
)
async def get_user(user_id: UUID, actor: CurrentActor, container: ContainerDep) -> Response:
    """The full view (`UserOut`) for the account itself and administrators; anyone else
    signed in gets the public profile (`PublicProfileOut`: no email, no account flags)."""
    return await _cached_user(container, actor, user_id)


@router.patch("/{user_id:uuid}", response_model=UserOut, responses=_UPDATE)
async def update_user(
    user_id: UUID,
    body: UserUpdate,
    actor: CurrentActor,
    container: ContainerDep,
    origin: RequestOrigin,
) -> UserView:
    return await _update(container, actor, user_id, body, origin)


@router.delete(
    "/{user_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_user(
    user_id: UUID, actor: CurrentActor, container: ContainerDep, origin: RequestOrigin
) -> Response:
    await container.delete_user().execute(DeleteUserCommand(actor, user_id, origin))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{user_id:uuid}/follow",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def follow(user_id: UUID, actor: CurrentActor, container: ContainerDep) -> Response:
    """Idempotent. Following yourself is refused (403)."""
    await container.follow_user().execute(FollowCommand(actor, user_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{user_id:uuid}/follow",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
async def unfollow(user_id: UUID, actor: CurrentActor, container: ContainerDep) -> Response:
    await container.unfollow_user().execute(FollowCommand(actor, user_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
