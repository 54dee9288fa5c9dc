"""Request and response bodies. Requests list exactly the writable fields; anything else is
rejected (422), so mass assignment is impossible by construction.

Request constraints are the domain's rules as far as JSON Schema can say them (lengths, no
NUL, not blank), so the published schema promises what the API accepts: whatever matches it
passes the domain too, and what does not is refused here with a 422."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from application.views import PublicProfileView, UserView
from domain.audit import AuditKind
from domain.values import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN, address_problem
from entrypoints.http.problems import problem_responses as problem_responses  # for routers
from entrypoints.http.text_patterns import EMAIL, NO_NUL, NON_BLANK_TEXT

T = TypeVar("T")


def _password(**kwargs: Any) -> Any:
    return Field(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        pattern=NO_NUL,
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, not one of the ~1,000 most "
        "commonly used passwords (compared ignoring case and width): those get 422",
        **kwargs,
    )


def _address(value: str) -> str:
    """The EMAIL pattern, checked here rather than by pydantic's `pattern`, so that a refusal
    says why in the domain's words ("must not contain invisible characters") instead of
    quoting a regular expression. The published schema carries the same pattern."""
    if re.fullmatch(EMAIL, value) is not None:
        return value
    raise PydanticCustomError(
        "email",
        address_problem(value)
        # The pattern also refuses what normalisation would turn into a separator.
        or "must be a valid email address: a character in it (such as a fullwidth @, dot or "
        "quote) stands for a separator once normalised",
    )


EmailAddress = Annotated[
    str,
    Field(max_length=EMAIL_MAX, json_schema_extra={"pattern": EMAIL}),
    AfterValidator(_address),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # as the domain's


class UserCreate(Request):
    email: EmailAddress = Field(examples=["ada@example.com"])
    password: str = _password(examples=["correct horse battery"])
    name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK_TEXT, examples=["Ada"])


class UserUpdate(Request):
    """Changing email or password of your own account needs current_password.
    is_admin and is_active may only be sent by administrators (403 otherwise)."""

    name: str | None = Field(None, min_length=1, max_length=100, pattern=NON_BLANK_TEXT)
    email: EmailAddress | None = None
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
    """The full view: for the account itself and administrators."""

    id: UUID
    email: str
    name: str
    is_active: bool
    is_admin: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime


class PublicProfileOut(BaseModel):
    """Another account as anyone signed in sees it: no email, no account flags."""

    id: UUID
    name: str
    created_at: datetime


class PostOut(BaseModel):
    id: UUID
    author_id: UUID
    title: str
    body: str
    status: Literal["draft", "published"]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description='What the ETag header says (`"3"` for 3): send it back as If-Match to '
        "change the post only if nobody changed it since"
    )


def post_json(view: object) -> bytes:
    return PostOut.model_validate(view, from_attributes=True).model_dump_json().encode()


def user_json(view: UserView | PublicProfileView) -> bytes:
    """Each view in its own shape: a profile never gains fields, nor a full view loses any."""
    model: type[BaseModel] = UserOut if isinstance(view, UserView) else PublicProfileOut
    return model.model_validate(view, from_attributes=True).model_dump_json().encode()


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth2 token type
    expires_in: int


class AuditEventQuery(Request):
    """Filters of `GET /admin/audit-events`; unknown parameters are refused (422), so a
    misspelt filter never silently widens the answer."""

    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page")
    kind: AuditKind | None = None
    actor_id: UUID | None = Field(None, description="who acted")
    subject_id: UUID | None = Field(None, description="the account affected")
    since: AwareDatetime | None = Field(None, description="occurred at or after (with offset)")
    until: AwareDatetime | None = Field(None, description="occurred before (with offset)")

    @field_validator("since", "until")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        try:
            return value.astimezone(UTC) if value is not None else None
        except OverflowError:
            raise ValueError("the moment is out of range") from None


class AuditEventOut(BaseModel):
    """A security event. `actor_id`: who acted (null: anonymous or the CLI); `subject_id`:
    the account affected (null: none known). `client` is the caller's address (IPv6 as its
    /64), `request_id` its X-Request-ID. `details` hold no secret: e.g. `reason` of a failed
    login, `fields` an admin changed, `session_id`, `account_fingerprint` (a keyed digest
    standing in for an address that has no account)."""

    id: UUID
    occurred_at: datetime
    kind: AuditKind
    actor_id: UUID | None
    subject_id: UUID | None
    client: str | None
    request_id: str | None
    details: dict[str, Any]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "degraded", "disabled"]
