from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Response, status

from application.auth import LoginCommand, LogoutCommand
from application.views import TokenPair
from entrypoints.http.deps import (
    ClientAddress,
    ContainerDep,
    CurrentActor,
    LenientActor,
    RequestOrigin,
)
from entrypoints.http.openapi import operation_id
from entrypoints.http.routers import API_PREFIX
from entrypoints.http.schemas import (
    EmailConfirm,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    TokenOut,
    problem_responses,
)

router = APIRouter(
    prefix=f"{API_PREFIX}/auth", tags=["auth"], generate_unique_id_function=operation_id
)
# The bearer is optional on logout: an anonymous or expired caller may still end a session.
OPTIONAL_BEARER: dict[str, Any] = {"security": [{}]}


def _out(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


@dataclass(frozen=True, slots=True)
class PasswordForm:
    username: str
    password: str


async def password_form(
    username: Annotated[str, Form()],
    password: Annotated[str, Form(json_schema_extra={"format": "password"})],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form()] = "",
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
) -> PasswordForm:
    """The fields of FastAPI's OAuth2PasswordRequestForm (scopes and client credentials are
    accepted and unused), as an `async def`: a class dependency runs in the thread pool, and
    under a login storm those threads took the GIL from the event loop on every login."""
    return PasswordForm(username, password)


@router.post("/token", response_model=TokenOut, responses=problem_responses(401, 429))
async def login(
    form: Annotated[PasswordForm, Depends(password_form)],
    container: ContainerDep,
    client: ClientAddress,
    origin: RequestOrigin,
) -> TokenOut:
    """OAuth2 password flow: `username` is the email address. Attempts are limited per
    account and per client address (429 with Retry-After)."""
    pair = await container.authenticate().execute(
        LoginCommand(form.username, form.password, client, origin.request_id)
    )
    return _out(pair)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses=problem_responses(429),
)
async def request_password_reset(
    body: PasswordResetRequest,
    container: ContainerDep,
    client: ClientAddress,
    origin: RequestOrigin,
) -> Response:
    """Always 202, whether or not the address has an account; if it has, a single-use link
    valid for a short time is mailed to it."""
    await container.request_password_reset().execute(body.email, client, origin.request_id)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 429),
)
async def confirm_password_reset(
    body: PasswordResetConfirm,
    container: ContainerDep,
    client: ClientAddress,
    origin: RequestOrigin,
) -> Response:
    """Sets the new password; every earlier session and reset link stops working."""
    await container.confirm_password_reset().execute(
        body.token, body.new_password, client, origin.request_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/verify-email/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400),
)
async def confirm_email(body: EmailConfirm, container: ContainerDep) -> Response:
    await container.confirm_email().execute(body.token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses=problem_responses(401, 429),
)
async def resend_verification(actor: CurrentActor, container: ContainerDep) -> Response:
    """Mails a new verification link to your address if it is not verified yet."""
    await container.resend_verification().execute(actor)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/refresh", response_model=TokenOut, responses=problem_responses(401))
async def refresh(body: RefreshRequest, container: ContainerDep, origin: RequestOrigin) -> TokenOut:
    """Rotate: the presented refresh token is spent; reusing it revokes the whole session."""
    return _out(await container.refresh_session().execute(body.refresh_token, origin))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=OPTIONAL_BEARER)
async def logout(
    body: RefreshRequest, actor: LenientActor, container: ContainerDep, origin: RequestOrigin
) -> Response:
    """Ends the refresh token's session (every access token issued in it stops working) and,
    when sent, the current access token. An expired bearer does not block the logout."""
    await container.logout().execute(LogoutCommand(body.refresh_token, actor, origin))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
