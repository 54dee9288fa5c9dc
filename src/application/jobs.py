"""The jobs behind the outbox: relay committed events to the queue, and handle each one.

Delivery is at least once, so every handler is idempotent: notifications are unique per
(event, recipient), mailed tokens are derived from the event and stored once per event, and
a processed message is skipped. A message whose handling keeps failing is marked dead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application import emails
from application.account_emails import RESET, VERIFY
from application.outbox import OutboxMessage
from application.ports.jobs import EmailSender, JobQueue, OneTimeTokens
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from domain.notification import EmailToken, Notification

FAN_OUT_BATCH = 500


class DispatchOutbox:
    """Hand committed, undispatched messages to the queue (job id = message id). If the
    queue is unreachable nothing is marked and a later sweep tries again."""

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock

    async def execute(self, limit: int = 100) -> int:
        async with self._uow as uow:
            messages = await uow.outbox.claim_undispatched(limit)
            for message in messages:
                await self._queue.enqueue(message.id)
            await uow.outbox.mark_dispatched([m.id for m in messages], self._clock.now())
            await uow.commit()
        return len(messages)


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    public_url: str
    verify_ttl: timedelta
    reset_ttl: timedelta


class HandleOutboxMessage:
    def __init__(
        self,
        uow: UnitOfWork,
        sender: EmailSender,
        tokens: OneTimeTokens,
        clock: Clock,
        ids: IdGenerator,
        links: LinkPolicy,
        fan_out_batch: int = FAN_OUT_BATCH,
    ) -> None:
        self._uow = uow
        self._batch = fan_out_batch
        self._sender = sender
        self._tokens = tokens
        self._clock = clock
        self._ids = ids
        self._links = links
        self._handlers: dict[str, Callable[[OutboxMessage], Awaitable[None]]] = {
            "UserRegistered": self._mail_verification,
            "EmailVerificationRequested": self._mail_verification,
            "PasswordResetRequested": self._mail_reset,
            "UserFollowed": self._notify_followee,
            "PostPublished": self._fan_out,
        }

    async def execute(self, message_id: UUID) -> None:
        async with self._uow as uow:
            record = await uow.outbox.get(message_id)
        if record is None or record.processed_at is not None or record.dead_at is not None:
            return
        handler = self._handlers.get(record.message.topic)
        if handler is not None:
            await handler(record.message)
        async with self._uow as uow:
            await uow.outbox.mark_processed(message_id, self._clock.now())
            await uow.commit()

    async def _issue(self, m: OutboxMessage, purpose: str, ttl: timedelta) -> tuple[str, str]:
        """Store the event's token (once, whatever the number of runs); return (token, name)
        or ("", "") when the mail is no longer relevant."""
        user_id, email = UUID(m.payload["user_id"]), m.payload["email"]
        token = self._tokens.derive(purpose, m.id)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None or user.email.value != email or not user.is_active:
                return "", ""
            if purpose == VERIFY and user.email_verified_at is not None:
                return "", ""
            await uow.email_tokens.add(
                EmailToken(
                    id=self._ids.new(),
                    event_id=m.id,
                    user_id=user_id,
                    purpose=purpose,
                    email=email,
                    token_hash=self._tokens.digest(token),
                    created_at=m.occurred_at,
                    expires_at=m.occurred_at + ttl,
                )
            )
            await uow.commit()
        return token, user.name.value

    async def _mail_verification(self, m: OutboxMessage) -> None:
        token, name = await self._issue(m, VERIFY, self._links.verify_ttl)
        if token:
            link = f"{self._links.public_url}/verify-email?token={token}"
            await self._sender.send(
                emails.verification(m.payload["email"], name, link, _message_id(m))
            )

    async def _mail_reset(self, m: OutboxMessage) -> None:
        token, name = await self._issue(m, RESET, self._links.reset_ttl)
        if token:
            link = f"{self._links.public_url}/reset-password?token={token}"
            minutes = int(self._links.reset_ttl.total_seconds() // 60)
            await self._sender.send(
                emails.password_reset(m.payload["email"], name, link, minutes, _message_id(m))
            )

    async def _notify_followee(self, m: OutboxMessage) -> None:
        note = self._notification(m, UUID(m.payload["followee_id"]), "user_followed")
        async with self._uow as uow:
            await uow.notifications.add_many([note])
            await uow.commit()

    async def _fan_out(self, m: OutboxMessage) -> None:
        """One notification per follower, a batch per transaction: 10,000 followers are 20
        short transactions, and a re-run after a crash skips what was already written."""
        author, after = UUID(m.payload["author_id"]), None
        while True:
            async with self._uow as uow:
                batch = await uow.follows.followers(author, after=after, limit=self._batch)
                if not batch:
                    return
                await uow.notifications.add_many(
                    [self._notification(m, follower, "post_published") for follower in batch]
                )
                await uow.commit()
            after = batch[-1]

    def _notification(self, m: OutboxMessage, recipient: UUID, kind: str) -> Notification:
        return Notification(
            id=self._ids.new(),
            recipient_id=recipient,
            kind=kind,
            payload=dict(m.payload),
            event_id=m.id,
            created_at=m.occurred_at,
        )


def _message_id(m: OutboxMessage) -> str:
    return f"<{m.id}@inkwell>"


class RecordDeadMessage:
    """The last retry failed: keep the message, marked dead with the error, for operators."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, message_id: UUID, error: str, attempts: int) -> None:
        async with self._uow as uow:
            await uow.outbox.mark_dead(message_id, error, attempts, self._clock.now())
            await uow.commit()


class PurgeProcessedOutbox:
    def __init__(self, uow: UnitOfWork, clock: Clock, keep: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._keep = keep

    async def execute(self) -> int:
        async with self._uow as uow:
            purged = await uow.outbox.purge_processed(self._clock.now() - self._keep)
            await uow.commit()
        return purged
