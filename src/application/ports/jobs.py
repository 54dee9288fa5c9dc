from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


class JobQueue(Protocol):
    async def enqueue(self, message_id: UUID) -> None:
        """Queue the handling of one outbox message; the message id is the job id, so a
        second enqueue of the same message is a no-op. Raises when the queue is unreachable
        (the message then stays in the outbox for the sweep)."""
        ...


class OutboxSignal(Protocol):
    def notify(self) -> None:
        """Something was committed to the outbox: a relay should look soon."""
        ...


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str
    message_id: str  # stable per event: a re-sent duplicate is recognisable as one


class UndeliverableEmail(Exception):
    """No try can deliver this mail as written (an address the mail library or the server
    refuses for good): the job is recorded dead at once instead of retried."""


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Raises UndeliverableEmail when no retry can help; any other failure is retried."""
        ...


class OneTimeTokens(Protocol):
    """Tokens mailed for verification and password reset, derived from the event (a job
    that runs twice mails the same token) and stored only as a digest."""

    def derive(self, purpose: str, event_id: UUID) -> str: ...

    def digest(self, token: str) -> str: ...


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int  # committed, not yet handed to the queue
    in_flight: int  # handed to the queue, neither processed nor dead yet
    processed: int  # processed and not yet purged (see outbox retention)
    dead: int


class OutboxStats(Protocol):
    async def counts(self) -> OutboxCounts:
        """Outbox messages by delivery state, in one read. Raises when the store does not
        answer (callers bound it with a timeout)."""
        ...
