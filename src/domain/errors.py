"""Domain errors: a broken business rule. They carry no transport details."""


class InkwellError(Exception):
    """Base of the errors raised on purpose, domain and application: `message` is for the
    caller (the edges show it as it is)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainError(InkwellError):
    """Base of every rule the domain enforces."""


class InvalidEmail(DomainError):
    pass


class InvalidName(DomainError):
    pass


class WeakPassword(DomainError):
    pass


class InvalidTitle(DomainError):
    pass


class InvalidBody(DomainError):
    pass


class PostAlreadyPublished(DomainError):
    pass


class SelfFollowRejected(DomainError):
    pass
