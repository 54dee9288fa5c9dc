"""Request and response bodies. Requests list exactly the writable fields; anything else is
rejected (422), so mass assignment is impossible by construction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, Literal, Self, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.audit import AuditKind

T = TypeVar("T")

Password = Field(min_length=1, max_length=1024)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(Request):
    email: str = Field(max_length=320, examples=["ada@example.com"])
    password: str = Field(min_length=1, max_length=1024, examples=["correct horse battery"])
    name: str = Field(max_length=200, examples=["Ada Lovelace"])


class UserUpdate(Request):
    """Changing email or password of your own account needs current_password.
    is_admin and is_active may only be sent by administrators (403 otherwise)."""

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    new_password: str | None = Field(None, min_length=1, max_length=1024)
    current_password: str | None = Field(None, min_length=1, max_length=1024)
    is_admin: bool | None = None
    is_active: bool | None = None


class RefreshRequest(Request):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordResetRequest(Request):
    email: str = Field(max_length=320)


class PasswordResetConfirm(Request):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=1024)


class EmailConfirm(Request):
    token: str = Field(min_length=1, max_length=200)


class NotificationOut(BaseModel):
    id: UUID
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class PostCreate(Request):
    title: str = Field(max_length=1000, examples=["Hello, world"])
    body: str = Field(max_length=200_000, examples=["My first post."])


class PostUpdate(Request):
    title: str | None = Field(None, max_length=1000)
    body: str | None = Field(None, max_length=200_000)


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

    @model_validator(mode="after")
    def _since_before_until(self) -> Self:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since must not be after until")
        return self


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


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "Bad request (e.g. a cursor this API did not issue)",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Authenticated but not allowed",
    404: "Not found (or not visible to you)",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Request body too large",
    422: "Invalid request (or an Idempotency-Key reused with another body)",
    429: "Rate limited; see Retry-After",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route can give."""
    return {
        code: {
            "model": Problem,
            "description": _PROBLEM_DESCRIPTIONS[code],
            "content": {"application/problem+json": {}},
        }
        for code in codes
    }
