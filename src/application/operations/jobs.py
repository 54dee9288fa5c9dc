"""The job behind the outbox: handle each committed event (relaying them to the queue and
keeping their delivery state is `operations.outbox`).

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
from application.accounts.email_flows import RESET, VERIFY
from application.operations.outbox import OutboxMessage
from application.ports.jobs import EmailSender, OneTimeTokens
from application.ports.system import Clock, IdGenerator
from application.ports.uow import UnitOfWork
from domain.notification import EmailToken, Notification
from domain.user import User
from domain.values import Email

FAN_OUT_BATCH = 500


@dataclass(frozen=True, slots=True)
class MessageCommand:
    message_id: UUID  # an outbox message's id, the job's id


@dataclass(frozen=True, slots=True)
class HandleOutboxMessage:
    uow: UnitOfWork
    sender: EmailSender
    tokens: OneTimeTokens
    clock: Clock
    ids: IdGenerator
    links: emails.LinkPolicy
    fan_out_batch: int = FAN_OUT_BATCH

    def _handler(self, topic: str) -> Callable[[OutboxMessage], Awaitable[None]] | None:
        handlers = {
            "UserRegistered": self._mail_verification,
            "EmailVerificationRequested": self._mail_verification,
            "PasswordResetRequested": self._mail_reset,
            "UserFollowed": self._notify_followee,
            "PostPublished": self._fan_out,
        }
        return handlers.get(topic)

    async def execute(self, cmd: MessageCommand) -> None:
        message_id = cmd.message_id
        async with self.uow as uow:
            record = await uow.outbox.get(message_id)
        if record is None or record.processed_at is not None or record.dead_at is not None:
            return
        handler = self._handler(record.message.topic)
        if handler is not None:
            await handler(record.message)
        async with self.uow as uow:
            await uow.outbox.mark_processed(message_id, self.clock.now())
            await uow.commit()

    async def _issue(self, m: OutboxMessage, purpose: str, user: User, ttl: timedelta) -> str:
        """Store the event's token (once, however often the job runs) and return it. It is
        bound to the user's address and token_version: any email or password change kills it."""
        token = self.tokens.derive(purpose, m.id)
        now = self.clock.now()
        async with self.uow as uow:
            await uow.email_tokens.add(
                EmailToken(
                    id=self.ids.new(),
                    event_id=m.id,
                    user_id=user.id,
                    purpose=purpose,
                    email=user.email.value,
                    token_hash=self.tokens.digest(token),
                    token_version=user.token_version,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            await uow.commit()
        return token

    async def _mail_verification(self, m: OutboxMessage) -> None:
        async with self.uow as uow:
            user = await uow.users.get(UUID(m.payload["user_id"]))
        if (
            user is None
            or not user.is_active
            or user.email.value != m.payload["email"]
            or user.email_verified_at is not None
        ):
            return  # no longer relevant: nothing to mail
        token = await self._issue(m, VERIFY, user, self.links.verify_ttl)
        link = self.links.verify_link(token)
        await self.sender.send(
            emails.verification(user.email.value, user.name.value, link, _message_id(m))
        )

    async def _mail_reset(self, m: OutboxMessage) -> None:
        async with self.uow as uow:
            user = await uow.users.get_by_email(Email(m.payload["email"]))
        if user is None or not user.is_active:
            return  # unknown address: the caller got the same 202 anyway
        token = await self._issue(m, RESET, user, self.links.reset_ttl)
        link = self.links.reset_link(token)
        minutes = int(self.links.reset_ttl.total_seconds() // 60)
        await self.sender.send(
            emails.password_reset(user.email.value, user.name.value, link, minutes, _message_id(m))
        )

    async def _notify_followee(self, m: OutboxMessage) -> None:
        followee = UUID(m.payload["followee_id"])
        async with self.uow as uow:
            if await uow.users.get(followee) is None:
                return  # deleted since: nobody to notify
            await uow.notifications.add_many([self._notification(m, followee, "user_followed")])
            await uow.commit()

    async def _fan_out(self, m: OutboxMessage) -> None:
        """One notification per follower, a batch per transaction: 10,000 followers are 20
        short transactions, and a re-run after a crash skips what was already written."""
        author, after = UUID(m.payload["author_id"]), None
        while True:
            async with self.uow as uow:
                batch = await uow.follows.followers(author, after=after, limit=self.fan_out_batch)
                if not batch:
                    return
                await uow.notifications.add_many(
                    [self._notification(m, follower, "post_published") for follower in batch]
                )
                await uow.commit()
            after = batch[-1]

    def _notification(self, m: OutboxMessage, recipient: UUID, kind: str) -> Notification:
        return Notification(
            id=self.ids.new(),
            recipient_id=recipient,
            kind=kind,
            payload=dict(m.payload),
            event_id=m.id,
            created_at=m.occurred_at,
        )


def _message_id(m: OutboxMessage) -> str:
    return f"<{m.id}@inkwell>"
