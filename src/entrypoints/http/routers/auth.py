from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from application.auth import LoginCommand, LogoutCommand
from application.views import TokenPair
from entrypoints.http.deps import ClientAddress, ContainerDep, LenientActor
from entrypoints.http.schemas import RefreshRequest, TokenOut, problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])
_401 = problem_responses(401)


def _out(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


@router.post("/token", response_model=TokenOut, responses=problem_responses(401, 429))
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    container: ContainerDep,
    client: ClientAddress,
) -> TokenOut:
    """OAuth2 password flow: `username` is the email address. Attempts are limited per
    account and per client address (429 with Retry-After)."""
    pair = await container.authenticate().execute(
        LoginCommand(form.username, form.password, client)
    )
    return _out(pair)


@router.post("/refresh", response_model=TokenOut, responses=_401)
async def refresh(body: RefreshRequest, container: ContainerDep) -> TokenOut:
    """Rotate: the presented refresh token is spent; reusing it revokes the whole session."""
    return _out(await container.refresh_session().execute(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_401)
async def logout(body: RefreshRequest, actor: LenientActor, container: ContainerDep) -> Response:
    """Ends the refresh token's session (every access token issued in it stops working) and,
    when sent, the current access token. An expired bearer does not block the logout."""
    await container.logout().execute(LogoutCommand(body.refresh_token, actor))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
