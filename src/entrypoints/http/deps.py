"""FastAPI dependencies: the container and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from application.errors import InvalidToken
from application.views import Actor
from entrypoints.container import Container

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def optional_actor(
    container: ContainerDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor | None:
    """No token -> anonymous; a token that is present but not valid -> 401, never ignored."""
    if token is None:
        return None
    return await container.authenticate_access_token().execute(token)


async def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise InvalidToken("Not authenticated.")
    return actor


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]


def expected_version(
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> int | None:
    """Parse If-Match ("3" or W/"3"). `*` or no header means no precondition. An entity tag
    this API never issued can match no version, so it fails the precondition (412)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.split(",")[0].strip().removeprefix("W/").strip('"')
    return int(tag) if tag.isdigit() and len(tag) < 10 else -1


IfMatch = Annotated[int | None, Depends(expected_version)]


def etag(version: int) -> str:
    return f'"{version}"'
