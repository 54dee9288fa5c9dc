"""How an unexpected error is described in logs and in the outbox: never a database
message, which can quote a row (password hash included) or SQL parameters."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def describe_error(exc: BaseException, *, with_message: bool = True) -> str:
    kind = type(exc).__name__
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return f"{kind} ({type(orig).__name__}, sqlstate={sqlstate})"
    if not with_message:
        return kind
    return f"{kind}: {str(exc)[:500]}"
