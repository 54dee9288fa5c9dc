"""The pages a mailed link opens, for people without a front end of their own: the link's
GET shows a form and changes nothing (mail scanners prefetch links); the form posts back to
the same path, which runs the same use case as the JSON API and shows the outcome. No
JavaScript. Refusals are mapped by entrypoints.http.errors and shown as text with their
status. Not part of the API document: they are for browsers, not API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from application.accounts.email_flows import ConfirmEmailCommand, ConfirmPasswordResetCommand
from application.emails import RESET_PATH, VERIFY_PATH
from application.errors import ApplicationError
from domain.errors import DomainError, WeakPassword
from entrypoints.http.deps import ContainerDep, RequestOrigin
from entrypoints.http.errors import refusal
from entrypoints.http.pages_html import MISSING_LINK_TEXT, page, paragraph, reset_form, verify_form

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form()]
MISMATCH = "The two passwords do not match."
DEAD_LINK_HINT = "A link works once and for a limited time; ask the app for a new one."
VERIFY_TITLE = "Confirm your email address"
RESET_TITLE = "Choose a new password"


def _missing_link(title: str) -> HTMLResponse:
    return page(400, title, paragraph(MISSING_LINK_TEXT, error=True))


def _refused(request: Request, title: str, exc: Exception, token: str = "") -> HTMLResponse:
    answer = refusal(request, exc)
    text = answer.detail or answer.title
    # A password the rules refuse gets the form again; a dead link or a throttle does not.
    body = reset_form(token, text) if isinstance(exc, WeakPassword) else paragraph(text, error=True)
    if answer.status == 400:
        body += paragraph(DEAD_LINK_HINT)
    return page(answer.status, title, body, answer.headers)


@router.get(VERIFY_PATH, response_class=HTMLResponse)
async def verify_email_page(token: str = "") -> HTMLResponse:
    return page(200, VERIFY_TITLE, verify_form(token)) if token else _missing_link(VERIFY_TITLE)


@router.post(VERIFY_PATH, response_class=HTMLResponse)
async def verify_email_submit(
    request: Request, container: ContainerDep, token: FormText = ""
) -> HTMLResponse:
    if not token:
        return _missing_link(VERIFY_TITLE)
    try:
        await container.confirm_email().execute(ConfirmEmailCommand(token))
    except (ApplicationError, DomainError) as exc:
        return _refused(request, VERIFY_TITLE, exc)
    return page(200, "Address confirmed", paragraph("Your email address is confirmed."))


@router.get(RESET_PATH, response_class=HTMLResponse)
async def reset_password_page(token: str = "") -> HTMLResponse:
    return page(200, RESET_TITLE, reset_form(token)) if token else _missing_link(RESET_TITLE)


@router.post(RESET_PATH, response_class=HTMLResponse)
async def reset_password_submit(
    request: Request,
    container: ContainerDep,
    origin: RequestOrigin,
    token: FormText = "",
    new_password: FormText = "",
    confirm_password: FormText = "",
) -> HTMLResponse:
    if not token:
        return _missing_link(RESET_TITLE)
    if new_password != confirm_password:
        return page(422, RESET_TITLE, reset_form(token, MISMATCH))
    try:
        await container.confirm_password_reset().execute(
            ConfirmPasswordResetCommand(token, new_password, origin)
        )
    except (ApplicationError, DomainError) as exc:
        return _refused(request, RESET_TITLE, exc, token)
    body = paragraph("Your password has been changed. Sign in with it in the app.")
    return page(200, "Password changed", body)
