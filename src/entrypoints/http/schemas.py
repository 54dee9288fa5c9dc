"""Request and response bodies. Requests list exactly the writable fields; anything else is
rejected (422), so mass assignment is impossible by construction.

Request constraints are the domain's rules as far as JSON Schema can say them (lengths, no
NUL, not blank), so the published schema promises what the API accepts: whatever matches it
passes the domain too, and what does not is refused here with a 422."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.values import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN
from entrypoints.http.text_patterns import EMAIL, NO_NUL, NON_BLANK_TEXT

T = TypeVar("T")


def _password(**kwargs: Any) -> Any:
    return Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, pattern=NO_NUL, **kwargs)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # as the domain's


class UserCreate(Request):
    email: str = Field(max_length=EMAIL_MAX, pattern=EMAIL, examples=["ada@example.com"])
    password: str = _password(examples=["correct horse battery"])
    name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK_TEXT, examples=["Ada"])


class UserUpdate(Request):
    """Changing email or password of your own account needs current_password.
    is_admin and is_active may only be sent by administrators (403 otherwise)."""

    name: str | None = Field(None, min_length=1, max_length=100, pattern=NON_BLANK_TEXT)
    email: str | None = Field(None, max_length=EMAIL_MAX, pattern=EMAIL)
    new_password: str | None = _password(default=None)
    current_password: str | None = Field(None, min_length=1, max_length=1024)
    is_admin: bool | None = None
    is_active: bool | None = None


class RefreshRequest(Request):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordResetRequest(Request):
    """Any address is answered alike (202), so that accounts cannot be enumerated."""

    email: str = Field(max_length=320)


class PasswordResetConfirm(Request):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = _password()


class EmailConfirm(Request):
    token: str = Field(min_length=1, max_length=200)


class NotificationOut(BaseModel):
    id: UUID
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class PostCreate(Request):
    title: str = Field(
        min_length=1, max_length=200, pattern=NON_BLANK_TEXT, examples=["Hello, world"]
    )
    body: str = Field(
        min_length=1, max_length=50_000, pattern=NON_BLANK_TEXT, examples=["My first post."]
    )


class PostUpdate(Request):
    title: str | None = Field(None, min_length=1, max_length=200, pattern=NON_BLANK_TEXT)
    body: str | None = Field(None, min_length=1, max_length=50_000, pattern=NON_BLANK_TEXT)


class UserOut(BaseModel):
    id: UUID
    email: str
    name: str
    is_active: bool
    is_admin: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime


class PostOut(BaseModel):
    id: UUID
    author_id: UUID
    title: str
    body: str
    status: Literal["draft", "published"]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


def post_json(view: object) -> bytes:
    return PostOut.model_validate(view, from_attributes=True).model_dump_json().encode()


def user_json(view: object) -> bytes:
    return UserOut.model_validate(view, from_attributes=True).model_dump_json().encode()


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth2 token type
    expires_in: int


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "degraded", "disabled"]


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    """A 422: `errors` lists the fields that failed validation; a broken business rule (a
    weak password, a blank title after trimming) has only `detail`."""

    errors: list[FieldError] = []


PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_MODELS: tuple[type[BaseModel], ...] = (Problem, ValidationProblem)

_PROBLEM_DESCRIPTIONS = {
    400: "Bad request: a body that is not valid JSON, or a cursor, token or Idempotency-Key "
    "this API did not issue or accept",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Authenticated but not allowed",
    404: "Not found (or not visible to you)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    422: "Invalid request: `errors` lists the fields, or `detail` names the broken rule "
    "(or an Idempotency-Key reused with another body)",
    429: "Rate limited; see Retry-After",
}
_PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: `Bearer`",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def problem_content(model: type[Problem] = Problem) -> dict[str, Any]:
    """An OpenAPI `content` map: problem+json with the given Problem schema."""
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def problem_response(code: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or _PROBLEM_DESCRIPTIONS[code],
        "content": problem_content(ValidationProblem if code == 422 else Problem),
    }
    if code in _PROBLEM_HEADERS:
        response["headers"] = _PROBLEM_HEADERS[code]
    return response


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give. The statuses any route
    with parameters or a body can give (400, 413, 422) are added by `openapi.py`."""
    return {code: problem_response(code) for code in codes}
