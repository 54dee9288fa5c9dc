"""The outbox relay loop an API process runs: it wakes when a commit wrote events (or every
`poll_seconds`, which also sweeps what an earlier process left behind) and hands messages to
the job queue until none are left. A failing queue (Redis down) is retried next round.

On shutdown it is stopped, not cancelled: it dispatches what the last requests committed,
then ends, so their jobs start now rather than at the worker's next sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from adapters.memory.jobs import InProcessOutboxSignal
from entrypoints.container import Container

log = logging.getLogger("inkwell.relay")

# The longest a shutdown waits for the last dispatch (the worker's sweep sends what is left).
FLUSH_TIMEOUT_SECONDS = 5.0


async def relay_forever(container: Container, poll_seconds: float, stopping: asyncio.Event) -> None:
    signal = container.outbox_signal()
    assert isinstance(signal, InProcessOutboxSignal)
    if container.settings().job_mode == "in_process":
        # Embedded mode is one process: the tasks that held dispatched jobs died with the
        # previous one, so their messages go back to the queue now.
        with contextlib.suppress(Exception):
            await container.release_unfinished_outbox().execute()
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.event.wait(), poll_seconds)
        signal.event.clear()
        await _dispatch_all(container)
    await _dispatch_all(container)  # what was committed while the last round ran


async def _dispatch_all(container: Container) -> None:
    try:
        while await container.dispatch_outbox().execute() > 0:
            pass
    except Exception as exc:  # the queue or the database is away: the next round retries
        log.warning("outbox relay: %s; retrying", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class RunningRelay:
    task: asyncio.Task[None]
    stopping: asyncio.Event
    signal: InProcessOutboxSignal

    async def stop(self) -> None:
        """Dispatch what is committed, then end; cancelled after FLUSH_TIMEOUT_SECONDS."""
        self.stopping.set()
        self.signal.event.set()  # wake it now rather than at the next poll
        try:
            await asyncio.wait_for(self.task, FLUSH_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("outbox relay: no final dispatch within %.1fs", FLUSH_TIMEOUT_SECONDS)


def start_relay(container: Container) -> RunningRelay | None:
    settings = container.settings()
    if settings.job_mode == "recorded":  # tests run jobs themselves
        return None
    signal = container.outbox_signal()
    assert isinstance(signal, InProcessOutboxSignal)
    stopping = asyncio.Event()
    task = asyncio.get_running_loop().create_task(
        relay_forever(container, settings.outbox_poll_seconds, stopping), name="outbox-relay"
    )
    return RunningRelay(task, stopping, signal)
