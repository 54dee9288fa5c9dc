"""Delivery of the outbox: relay committed messages to the job queue, record the jobs that
keep failing, and let an operator send them again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.operations.audit import NO_ORIGIN, Auditor
from application.ports.jobs import JobQueue
from application.ports.system import Clock
from application.ports.uow import UnitOfWork
from application.use_cases import Write
from domain.audit import AuditKind

MAX_DISPATCHES = 4


@dataclass(frozen=True, slots=True)
class DispatchOutbox:
    """Hand committed messages to the queue (job id = message id). Also re-sends a message
    dispatched more than `lease` ago that is neither processed nor dead: its job was lost
    (timed out, killed on its last try, or its process died). After MAX_DISPATCHES such
    attempts it is marked dead instead. If the queue is unreachable nothing is marked, and
    a later round tries again."""

    uow: UnitOfWork
    queue: JobQueue
    clock: Clock
    lease: timedelta
    batch: int = 100  # messages per round (and transaction)

    async def execute(self) -> int:
        now = self.clock.now()
        async with self.uow as uow:
            due = await uow.outbox.claim_due(self.batch, stale_before=now - self.lease)
            sent = []
            for record in due:
                if record.attempts >= MAX_DISPATCHES:
                    error = f"no job finished after {record.attempts} dispatches"
                    await uow.outbox.mark_dead(record.message.id, error, record.attempts, now)
                    continue
                await self.queue.enqueue(record.message.id)
                sent.append(record.message.id)
            await uow.outbox.mark_dispatched(sent, now)
            await uow.commit()
        return len(due)


@dataclass(frozen=True, slots=True)
class ReleaseUnfinishedOutbox:
    uow: UnitOfWork

    async def execute(self) -> int:
        async with self.uow as uow:
            released = await uow.outbox.release_unfinished()
            await uow.commit()
        return released


@dataclass(frozen=True, slots=True)
class DeadMessageCommand:
    message_id: UUID
    error: str  # the last failure, for operators
    attempts: int


@dataclass(frozen=True, slots=True)
class RecordDeadMessage(Write):
    """The last retry failed: keep the message, marked dead with the error, for operators."""

    async def execute(self, cmd: DeadMessageCommand) -> None:
        async with self.uow as uow:
            await uow.outbox.mark_dead(cmd.message_id, cmd.error, cmd.attempts, self.clock.now())
            await uow.commit()


@dataclass(frozen=True, slots=True)
class RequeueDeadJobs:
    """An operator's decision (the CLI) to send every dead job again; audited with it."""

    uow: UnitOfWork
    auditor: Auditor

    async def execute(self) -> int:
        async with self.uow as uow:
            count = await uow.outbox.requeue_dead()
            await self.auditor.record(
                uow,
                AuditKind.DEAD_JOBS_REQUEUED,
                NO_ORIGIN,
                details={"count": count, "via": "cli"},
            )
            await uow.commit()
        return count
