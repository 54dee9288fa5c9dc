"""FastAPI dependencies: the container and the authenticated caller."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from application.accounts.sessions import AccessTokenQuery
from application.errors import InvalidToken
from application.operations.audit import Origin
from application.views import Actor
from entrypoints.container import Container
from entrypoints.observability.logs import bind_user

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# Dependencies are `async def` on purpose: FastAPI runs a plain `def` dependency in a thread
# pool, which on a hot path costs more than the work itself.


async def client_address(request: Request) -> str:
    """The peer address as a rate-limit key (uvicorn rewrites it from X-Forwarded-For only
    for trusted proxies). IPv6 clients are keyed by /64: one host usually owns a whole /64."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


ClientAddress = Annotated[str, Depends(client_address)]


async def request_origin(request: Request, client: ClientAddress) -> Origin:
    """What audit events record about a request: its client key and X-Request-ID."""
    request_id = request.scope.get("state", {}).get("request_id")
    return Origin(client=client, request_id=request_id if isinstance(request_id, str) else None)


RequestOrigin = Annotated[Origin, Depends(request_origin)]


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def _authenticated(request: Request, token: str) -> Actor:
    """The caller's id goes to the access log line and to every line logged for the request."""
    container: Container = request.app.state.container
    actor = await container.authenticate_access_token().execute(AccessTokenQuery(token))
    bind_user(request.scope, actor.user_id)
    return actor


# The actor dependencies read the container from the app themselves rather than through
# another dependency: each level of dependency costs FastAPI work on every request.


async def optional_actor(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor | None:
    """No token -> anonymous; a token that is present but not valid -> 401, never ignored."""
    return None if token is None else await _authenticated(request, token)


async def lenient_actor(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor | None:
    """For logout: an expired or revoked bearer must not stop the session from ending."""
    try:
        return await optional_actor(request, token)
    except InvalidToken:
        return None


async def current_actor(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    if token is None:
        raise InvalidToken("Not authenticated.")
    return await _authenticated(request, token)


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
LenientActor = Annotated[Actor | None, Depends(lenient_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]


_STRONG_TAG = re.compile(r'"([0-9]{1,9})"')


async def accepted_versions(
    if_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> frozenset[int] | None:
    """If-Match per RFC 9110: `*` or no header means no precondition; otherwise the versions
    of the listed strong tags. Weak tags (W/"3") and tags this API never issued match
    nothing, so they fail the precondition (412)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tags = (_STRONG_TAG.fullmatch(tag.strip()) for tag in if_match.split(","))
    return frozenset(int(tag.group(1)) for tag in tags if tag)


IfMatch = Annotated[frozenset[int] | None, Depends(accepted_versions)]


def etag(version: int) -> str:
    return f'"{version}"'
