from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Form, Header, Request, Response, status

from application.accounts.email_flows import (
    ConfirmEmailCommand,
    ConfirmPasswordResetCommand,
    RequestPasswordResetCommand,
    ResendVerificationCommand,
)
from application.accounts.login import LoginCommand
from application.accounts.sessions import LogoutCommand, RefreshCommand
from application.views import TokenPair
from entrypoints.http.deps import (
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
    return TokenOut.model_validate(pair, from_attributes=True)


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


# The device token of login throttling (application.accounts.login_throttle): browsers keep it as a
# cookie without any code; API clients read the header and send it back in the same header.
DEVICE_COOKIE, DEVICE_HEADER = "inkwell_device", "Inkwell-Device"
_DEVICE_DOC = (
    "A device token: presented on later logins for the same account, it makes this client a "
    "known device, which guesses made from elsewhere cannot lock out."
)
_LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(401, 429),
    200: {
        "headers": {
            DEVICE_HEADER: {"description": _DEVICE_DOC, "schema": {"type": "string"}},
            "Set-Cookie": {
                "description": f"`{DEVICE_COOKIE}=<the same device token>; HttpOnly; "
                "SameSite=Strict; Path=/api/v1/auth; Max-Age=...`, and `Secure` unless the "
                "service is reached over plain http in development.",
                "schema": {"type": "string"},
            },
        }
    },
}


@router.post("/token", response_model=TokenOut, responses=_LOGIN_RESPONSES)
async def login(
    form: Annotated[PasswordForm, Depends(password_form)],
    request: Request,
    response: Response,
    container: ContainerDep,
    origin: RequestOrigin,
    device_header: Annotated[
        str | None, Header(alias=DEVICE_HEADER, description=_DEVICE_DOC)
    ] = None,
    device_cookie: Annotated[
        str | None, Cookie(alias=DEVICE_COOKIE, description=_DEVICE_DOC)
    ] = None,
) -> TokenOut:
    """OAuth2 password flow: `username` is the email address. Attempts are limited per
    account and per client address (429 with Retry-After). A success also returns a device
    token (cookie and header); a client that sends it back (the cookie, or the
    `Inkwell-Device` header) is counted on its own, so guesses from elsewhere do not lock
    it out."""
    pair = await container.authenticate().execute(
        LoginCommand(
            form.username, form.password, origin, device_token=device_header or device_cookie
        )
    )
    if pair.device_token is not None:
        settings = container.settings()
        response.headers[DEVICE_HEADER] = pair.device_token
        response.set_cookie(
            DEVICE_COOKIE,
            pair.device_token,
            max_age=settings.login_device_ttl_days * 86_400,
            path=f"{API_PREFIX}/auth",
            # A Secure cookie is never sent back over http, so a development server on
            # http://127.0.0.1 would never see it again.
            secure=request.url.scheme == "https"
            or settings.public_url.startswith("https:")
            or settings.env == "production",
            httponly=True,
            samesite="strict",
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
    origin: RequestOrigin,
) -> Response:
    """Always 202, whether or not the address has an account; if it has, a single-use link
    valid for a short time is mailed to it."""
    await container.request_password_reset().execute(
        RequestPasswordResetCommand(body.email, origin)
    )
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 429),
)
async def confirm_password_reset(
    body: PasswordResetConfirm,
    container: ContainerDep,
    origin: RequestOrigin,
) -> Response:
    """Sets the new password; every earlier session and reset link stops working."""
    await container.confirm_password_reset().execute(
        ConfirmPasswordResetCommand(body.token, body.new_password, origin)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/verify-email/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400),
)
async def confirm_email(body: EmailConfirm, container: ContainerDep) -> Response:
    await container.confirm_email().execute(ConfirmEmailCommand(body.token))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses=problem_responses(401, 429),
)
async def resend_verification(actor: CurrentActor, container: ContainerDep) -> Response:
    """Mails a new verification link to your address if it is not verified yet."""
    await container.resend_verification().execute(ResendVerificationCommand(actor))
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/refresh", response_model=TokenOut, responses=problem_responses(401))
async def refresh(body: RefreshRequest, container: ContainerDep, origin: RequestOrigin) -> TokenOut:
    """Rotate: the presented refresh token is spent; reusing it revokes the whole session."""
    return _out(
        await container.refresh_session().execute(RefreshCommand(body.refresh_token, origin))
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=OPTIONAL_BEARER)
async def logout(
    body: RefreshRequest, actor: LenientActor, container: ContainerDep, origin: RequestOrigin
) -> Response:
    """Ends the refresh token's session (every access token issued in it stops working) and,
    when sent, the current access token. An expired bearer does not block the logout."""
    await container.logout().execute(LogoutCommand(body.refresh_token, actor, origin))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
