from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

from application.ports.jobs import JobQueue, OutboxSignal

log = logging.getLogger("inkwell.jobs")

Handle = Callable[[UUID], Awaitable[None]]
RecordDead = Callable[[UUID, str, int], Awaitable[None]]
Observe = Callable[[str], None]


def _ignore(_outcome: str) -> None:
    return None


class InProcessOutboxSignal(OutboxSignal):
    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    @property
    def event(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def notify(self) -> None:
        self.event.set()


class RecordingJobQueue(JobQueue):
    """Test mode: jobs wait here until the test runs them."""

    def __init__(self) -> None:
        self.pending: list[UUID] = []

    async def enqueue(self, message_id: UUID) -> None:
        if message_id not in self.pending:
            self.pending.append(message_id)


class InProcessJobQueue(JobQueue):
    """Embedded mode: each job runs as a task in this process, retried with exponential
    backoff; after `max_tries` failures the message is recorded dead. `observe` is told each
    try's outcome: processed, retried or dead."""

    def __init__(
        self,
        handle: Handle,
        record_dead: RecordDead,
        max_tries: int,
        base_delay: float,
        observe: Observe = _ignore,
    ) -> None:
        self._handle = handle
        self._observe = observe
        self._record_dead = record_dead
        self._max_tries = max_tries
        self._base_delay = base_delay
        self._running: dict[UUID, asyncio.Task[None]] = {}

    async def enqueue(self, message_id: UUID) -> None:
        if message_id not in self._running:
            task = asyncio.get_running_loop().create_task(self._run(message_id))
            self._running[message_id] = task
            task.add_done_callback(lambda _: self._running.pop(message_id, None))

    async def _run(self, message_id: UUID) -> None:
        for attempt in range(1, self._max_tries + 1):
            try:
                await self._handle(message_id)
                self._observe("processed")
                return
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if attempt == self._max_tries:
                    log.error("job %s is dead after %d tries: %s", message_id, attempt, error)
                    await self._record_dead(message_id, error, attempt)
                    self._observe("dead")
                    return
                log.warning("job %s failed (try %d): %s", message_id, attempt, error)
                self._observe("retried")
                await asyncio.sleep(self._base_delay * 2 ** (attempt - 1))

    async def close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
