"""Audit events: who did what to whom, from where, for operators and incident response.

An audit event records that a security-relevant thing happened (a login, a failed login, a
password change, an administrator's action). Its `details` are deliberately small and
typed, and may never carry a secret: keys that name one (password, token, hash, secret) are
refused here, so no use case can store one by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias
from uuid import UUID

DetailValue: TypeAlias = str | int | bool | list[str] | None
Details: TypeAlias = dict[str, DetailValue]

MAX_DETAILS = 12
MAX_TEXT = 320
MAX_CLIENT = 100
MAX_REQUEST_ID = 128
_SECRET_WORDS = ("password", "token", "hash", "secret", "credential")


class AuditKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"  # details["reason"] says why; the client only sees 401
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    REFRESH_TOKEN_REUSE_DETECTED = "refresh_token_reuse_detected"  # noqa: S105 - an event name
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name
    PASSWORD_RESET_COMPLETED = "password_reset_completed"  # noqa: S105 - an event name
    EMAIL_CHANGED = "email_changed"
    ADMIN_USER_UPDATED = "admin_user_updated"
    ADMIN_USER_DELETED = "admin_user_deleted"
    ADMIN_POST_UPDATED = "admin_post_updated"
    ADMIN_POST_PUBLISHED = "admin_post_published"
    ADMIN_POST_DELETED = "admin_post_deleted"
    ADMIN_CREATED = "admin_created"  # by the CLI
    DEAD_JOBS_REQUEUED = "dead_jobs_requeued"  # by the CLI


class UnsafeAuditDetails(ValueError):
    """A programming error (so not a DomainError, which callers could be answered with):
    details that could hold a secret, or too much of anything."""


def _check_details(details: Details) -> None:
    if len(details) > MAX_DETAILS:
        raise UnsafeAuditDetails("Too many audit details.")
    for key, value in details.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise UnsafeAuditDetails(f"Audit detail {key!r} may hold a secret.")
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if not isinstance(text, str | int | bool | None):
                raise UnsafeAuditDetails(f"Audit detail {key!r} is not a plain value.")
            if isinstance(text, str) and len(text) > MAX_TEXT:
                raise UnsafeAuditDetails(f"Audit detail {key!r} is too long.")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """`actor_id` is the authenticated user who acted (None: anonymous, or the CLI);
    `subject_id` the user affected (None: no known account). `client` is the address the
    edge saw (IPv6 as its /64), `request_id` the X-Request-ID of the HTTP request."""

    id: UUID
    occurred_at: datetime
    kind: AuditKind
    actor_id: UUID | None = None
    subject_id: UUID | None = None
    client: str | None = None
    request_id: str | None = None
    details: Details = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise UnsafeAuditDetails("occurred_at must be timezone-aware.")
        _check_details(self.details)
        # Values from the edge: never let a long header or host name grow a row.
        if self.client is not None:
            object.__setattr__(self, "client", self.client[:MAX_CLIENT])
        if self.request_id is not None:
            object.__setattr__(self, "request_id", self.request_id[:MAX_REQUEST_ID])
