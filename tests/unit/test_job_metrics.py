from __future__ import annotations

import asyncio
import uuid

import pytest
from arq import Retry

from adapters.memory.jobs import InProcessJobQueue
from application.accounts.registration import RegisterUserCommand
from entrypoints.container import Container
from entrypoints.worker import process_event, sweep_outbox
from tests.unit.test_job_failures import RefusingSender


def outcomes(container: Container) -> dict[str, float]:
    return {
        s.labels["outcome"]: s.value
        for family in container.metrics().registry.collect()
        if family.name == "inkwell_jobs"
        for s in family.samples
        if s.name == "inkwell_jobs_total"
    }


async def test_the_worker_counts_processed_retried_and_dead_tries(container: Container) -> None:
    container.email_sender.override(RefusingSender(failures=99))
    await container.register_user().execute(RegisterUserCommand("a@x.io", "long password", "A"))
    await container.register_user().execute(RegisterUserCommand("b@x.io", "long password", "B"))
    await sweep_outbox({"container": container})
    first, second = container.job_queue().pending  # type: ignore[attr-defined]
    with pytest.raises(Retry):
        await process_event({"container": container, "job_try": 1}, str(first))
    limit = container.settings().job_max_tries
    await process_event({"container": container, "job_try": limit}, str(first))
    container.email_sender.override(RefusingSender(failures=0))
    await process_event({"container": container, "job_try": 1}, str(second))
    assert outcomes(container) == {"processed": 1, "retried": 1, "dead": 1}


async def test_the_in_process_queue_reports_each_try_outcome() -> None:
    seen: list[str] = []
    failures = iter([True, False])

    async def handle(_message_id: object) -> None:
        if next(failures, True):
            raise RuntimeError("smtp down")

    async def record(_message_id: object, _error: str, _attempts: int) -> None:
        return None

    queue = InProcessJobQueue(handle, record, 3, 0.001, observe=seen.append)
    await queue.enqueue(uuid.uuid4())
    for _ in range(100):
        if "processed" in seen:
            break
        await asyncio.sleep(0.01)
    assert seen == ["retried", "processed"]
    await queue.close()
