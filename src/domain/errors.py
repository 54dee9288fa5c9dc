"""Domain errors: a broken business rule. They carry no transport details."""


class DomainError(Exception):
    """Base of every rule the domain enforces."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
