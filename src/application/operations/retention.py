"""Retention: the crons that delete what is kept no longer. Each is idempotent, so a cron
that runs twice does no harm."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports.uow import UnitOfWork
from application.use_cases import Write


@dataclass(frozen=True, slots=True)
class _OlderThan(Write):
    """Deletes, in one transaction, what is older than `keep`."""

    keep: timedelta

    async def _purge(self, delete: Callable[[UnitOfWork, datetime], Awaitable[int]]) -> int:
        async with self.uow as uow:
            purged = await delete(uow, self.clock.now() - self.keep)
            await uow.commit()
        return purged


@dataclass(frozen=True, slots=True)
class PurgeOldAuditEvents(_OlderThan):
    """Audit events older than `keep` are deleted (a daily cron)."""

    async def execute(self) -> int:
        return await self._purge(lambda uow, before: uow.audit.purge(before))


@dataclass(frozen=True, slots=True)
class PurgeProcessedOutbox(_OlderThan):
    """Outbox messages processed more than `keep` ago are deleted."""

    async def execute(self) -> int:
        return await self._purge(lambda uow, before: uow.outbox.purge_processed(before))


@dataclass(frozen=True, slots=True)
class PurgeExpiredIdempotencyKeys(Write):
    """Expired Idempotency-Keys are deleted in batches of `batch`, one short transaction
    each, so a large backlog never holds locks for long (an hourly cron)."""

    batch: int = 1000

    async def execute(self) -> int:
        now, total = self.clock.now(), 0
        while True:
            async with self.uow as uow:
                purged = await uow.idempotency_keys.purge_expired(now, self.batch)
                await uow.commit()
            total += purged
            if purged < self.batch:
                return total
