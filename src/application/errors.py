"""Application errors: what a caller did wrong or may not do. The HTTP edge maps them."""

from domain.errors import InkwellError


class ApplicationError(InkwellError):
    pass


class NotFound(ApplicationError):
    pass


class Forbidden(ApplicationError):
    pass


class EmailAlreadyRegistered(ApplicationError):
    """The address, or one a reader could take for it (a confusable skeleton), has an account.
    As explicit as a duplicate ever was (DESIGN: 409), so it tells no more about who exists."""

    def __init__(
        self, message: str = "An account with this or a confusably similar address already exists."
    ) -> None:
        super().__init__(message)


class InvalidCredentials(ApplicationError):
    """Wrong email or password: one message for both, so accounts cannot be enumerated."""

    def __init__(self) -> None:
        super().__init__("Incorrect email or password.")


class InvalidToken(ApplicationError):
    """A missing, malformed, forged, expired, revoked or spent token."""


class PreconditionFailed(ApplicationError):
    """The caller's copy (If-Match) is stale."""


class ConcurrentUpdate(ApplicationError):
    """Someone else changed the resource between our read and our write."""


class StoreUnavailable(ApplicationError):
    """The database could not serve now (down, hung, out of connections): nothing was
    written, and the same request may succeed later."""


class InvalidCursor(ApplicationError):
    pass


class RateLimited(ApplicationError):
    """`limit` names the limit that refused (for operators: metrics, never shown to callers)."""

    def __init__(self, message: str, retry_after_seconds: int, limit: str = "other") -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)
        self.limit = limit


class IdempotencyKeyReused(ApplicationError):
    """The Idempotency-Key already names another request."""


class IdempotencyKeyInUse(ApplicationError):
    """The Idempotency-Key is held by a request whose answer cannot be read yet."""
