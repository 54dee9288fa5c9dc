"""The one place that maps application and domain errors to RFC 9457 problem+json."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from application import errors as app
from application.accounts.editing import CurrentPasswordRequired
from application.accounts.email_flows import InvalidOneTimeToken
from domain import errors as dom
from entrypoints.errors_text import describe_error
from entrypoints.http.middleware import response_headers
from entrypoints.http.validation_messages import field_errors
from entrypoints.observability.metrics import Metrics

log = logging.getLogger("inkwell.http")

PROBLEM = "application/problem+json"
# What a client is told to wait before retrying a request the database could not serve.
UNAVAILABLE_RETRY_AFTER_SECONDS = 2

# Refused by the state things are in now: the same request may succeed later or elsewhere.
CONFLICTS = (
    app.EmailAlreadyRegistered,
    app.ConcurrentUpdate,
    app.IdempotencyKeyInUse,
    dom.PostAlreadyPublished,
)
# One row per answer. Most specific first: the first row with a matching class wins.
STATUS: list[tuple[tuple[type[Exception], ...], int, str]] = [
    ((InvalidOneTimeToken, app.InvalidCursor), 400, "Bad Request"),
    ((app.InvalidCredentials, app.InvalidToken), 401, "Unauthorized"),
    ((CurrentPasswordRequired,), 403, "Current password required"),
    # Not a 422: the request is well formed, the rule is about who may follow whom.
    ((app.Forbidden, dom.SelfFollowRejected), 403, "Forbidden"),
    ((app.NotFound,), 404, "Not Found"),
    (CONFLICTS, 409, "Conflict"),
    ((app.PreconditionFailed,), 412, "Precondition Failed"),
    ((app.RateLimited,), 429, "Too Many Requests"),
    ((app.IdempotencyKeyReused, dom.DomainError), 422, "Unprocessable Content"),
]


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if status == 422:  # a ValidationProblem: `errors` is always there, empty for a broken rule
        body["errors"] = []
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


def _status_of(exc: Exception) -> tuple[int, str]:
    for classes, status, title in STATUS:
        if isinstance(exc, classes):
            return status, title
    return 500, "Internal Server Error"


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    title: str
    detail: str | None
    headers: dict[str, str] | None


def refusal(request: Request, exc: Exception) -> Refusal:
    """How an application or domain error is answered, whatever renders it: problem+json
    here, an HTML page for the pages a mailed link opens (routers/pages.py)."""
    status, title = _status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, app.RateLimited):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        metrics: Metrics | None = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.rate_limit_refused(exc.limit)
    message = exc.message if isinstance(exc, app.ApplicationError | dom.DomainError) else None
    return Refusal(status, title, message, headers)


async def _handle_known(request: Request, exc: Exception) -> JSONResponse:
    answer = refusal(request, exc)
    return problem(answer.status, answer.title, answer.detail, headers=answer.headers)


_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}  # RFC 9110 names


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method the path supports. Starlette's own 405 names only those of the first
    route matching the path, while RFC 9110 wants all of them (`GET /posts` and
    `POST /posts` are two routes)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


# Routing's own 404: no route matched, which is also how an id that is not a UUID ends
# (ids are routed as UUIDs, see routers/__init__.py); the detail says so.
NO_ROUTE_DETAIL = "Nothing exists at this URL (ids in paths are UUIDs)."


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code) or _phrase(exc.status_code)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == title:
        detail = NO_ROUTE_DETAIL
    return problem(exc.status_code, title, detail, headers=headers or None)


async def _handle_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    return problem(422, "Unprocessable Content", "The request is not valid.", errors=errors)


async def _handle_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database could not serve (down, hung, out of connections; the adapter rolled back
    and said so): a 503 the client may retry. Other database errors are bugs (a 500)."""
    return _unavailable(request, exc.__cause__ or exc)


def _unavailable(request: Request, exc: BaseException) -> JSONResponse:
    what = describe_error(exc, with_message=False)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, what)
    return problem(
        503,
        "Service Unavailable",
        "The database is unavailable; retry shortly.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    stack = "".join(traceback.format_tb(exc.__traceback__))
    what = describe_error(exc, with_message=False)
    # Outside the request middleware (whose context is gone by now): the request id is
    # passed explicitly so the line joins the request's access line, and the security
    # headers are added here, since Starlette answers a 500 from outside every middleware.
    request_id = request.scope.get("state", {}).get("request_id")
    log.error(
        "unhandled error on %s %s: %s\n%s",
        request.method,
        request.url.path,
        what,
        stack,
        extra={"request_id": request_id},
    )
    headers = {name.decode(): value.decode() for name, value in response_headers(request.scope)}
    return problem(500, "Internal Server Error", "An unexpected error occurred.", headers=headers)


def install_error_handlers(app_: FastAPI) -> None:
    app_.add_exception_handler(app.ApplicationError, _handle_known)
    app_.add_exception_handler(dom.DomainError, _handle_known)
    app_.add_exception_handler(StarletteHTTPException, _handle_http)
    app_.add_exception_handler(RequestValidationError, _handle_validation)
    app_.add_exception_handler(app.StoreUnavailable, _handle_store_unavailable)
    app_.add_exception_handler(Exception, _handle_unexpected)
