"""The outbox relay loop an API process runs: it wakes when a commit wrote events (or every
`poll_seconds`, which also sweeps what an earlier process left behind) and hands messages to
the job queue until none are left. A failing queue (Redis down) is retried next round."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from adapters.memory.jobs import InProcessOutboxSignal
from entrypoints.container import Container

log = logging.getLogger("inkwell.relay")


async def relay_forever(container: Container, poll_seconds: float) -> None:
    signal = container.outbox_signal()
    assert isinstance(signal, InProcessOutboxSignal)
    if container.settings().job_mode == "in_process":
        # Embedded mode is one process: the tasks that held dispatched jobs died with the
        # previous one, so their messages go back to the queue now.
        with contextlib.suppress(Exception):
            await container.release_unfinished_outbox().execute()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.event.wait(), poll_seconds)
        signal.event.clear()
        try:
            while await container.dispatch_outbox().execute() > 0:
                pass
        except Exception as exc:  # the queue or the database is away: the next round retries
            log.warning("outbox relay: %s; retrying", type(exc).__name__)


def start_relay(container: Container) -> asyncio.Task[None] | None:
    settings = container.settings()
    if settings.job_mode == "recorded":  # tests run jobs themselves
        return None
    return asyncio.get_running_loop().create_task(
        relay_forever(container, settings.outbox_poll_seconds), name="outbox-relay"
    )
