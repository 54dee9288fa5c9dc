from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from arq import Retry

from adapters.memory.jobs import InProcessJobQueue
from adapters.system.clock import FrozenClock
from application.accounts.registration import RegisterUserCommand
from application.operations.delivery import MAX_DISPATCHES
from application.ports.jobs import EmailMessage, UndeliverableEmail
from entrypoints.container import Container
from entrypoints.worker import process_event, sweep_outbox


class RefusingSender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("550 mailbox unavailable")
        self.sent.append(message)


async def _registered(container: Container) -> None:
    await container.register_user().execute(RegisterUserCommand("a@x.io", "long password", "A"))
    await sweep_outbox({"container": container})


async def test_the_worker_retries_with_backoff_then_records_the_job_dead(
    container: Container,
) -> None:
    container.email_sender.override(RefusingSender(failures=99))
    await _registered(container)
    [message_id] = container.job_queue().pending  # type: ignore[attr-defined]
    limit = container.settings().job_max_tries
    for attempt in range(1, limit):
        with pytest.raises(Retry) as retry:
            await process_event({"container": container, "job_try": attempt}, str(message_id))
        assert retry.value.defer_score == 1000 * container.settings().retry_delay(attempt)
    await process_event({"container": container, "job_try": limit}, str(message_id))
    async with container.uow() as uow:
        [dead] = await uow.outbox.list_dead(10)
    assert (dead.message.id, dead.attempts) == (message_id, limit)
    assert dead.last_error is not None
    assert "550 mailbox unavailable" in dead.last_error
    await process_event({"container": container, "job_try": limit + 1}, str(message_id))


async def test_a_last_try_that_never_finished_is_recorded_dead_on_the_next_delivery(
    container: Container,
) -> None:
    await _registered(container)
    [message_id] = container.job_queue().pending  # type: ignore[attr-defined]
    limit = container.settings().job_max_tries
    await process_event({"container": container, "job_try": limit + 1}, str(message_id))
    async with container.uow() as uow:
        [dead] = await uow.outbox.list_dead(10)
    assert dead.last_error == f"the last of {limit} tries did not finish"
    assert container.settings().retry_delay(20) == container.settings().job_retry_max_seconds


async def test_a_lost_job_is_dispatched_again_after_its_lease_then_dead(
    container: Container, clock: FrozenClock
) -> None:
    await _registered(container)
    queue = container.job_queue()
    [message_id] = queue.pending  # type: ignore[attr-defined]
    queue.pending.clear()  # type: ignore[attr-defined]
    # The job is lost: nobody processes it. Within the lease nothing is re-sent...
    assert await container.dispatch_outbox().execute() == 0
    lease = timedelta(seconds=container.settings().job_lease_seconds + 1)
    for _ in range(MAX_DISPATCHES - 1):  # ...after it, it is, a few times...
        clock.advance(lease)
        assert await container.dispatch_outbox().execute() == 1
        assert queue.pending.pop() == message_id  # type: ignore[attr-defined]
    clock.advance(lease)  # ...and then it is given up on, visibly.
    await container.dispatch_outbox().execute()
    async with container.uow() as uow:
        [dead] = await uow.outbox.list_dead(10)
    assert dead.last_error == f"no job finished after {MAX_DISPATCHES} dispatches"
    async with container.uow() as uow:
        assert await uow.outbox.requeue_dead() == 1
        await uow.commit()
    assert await container.dispatch_outbox().execute() == 1


async def test_a_transient_failure_is_retried_and_mails_once(container: Container) -> None:
    sender = RefusingSender(failures=1)
    container.email_sender.override(sender)
    await _registered(container)
    [message_id] = container.job_queue().pending  # type: ignore[attr-defined]
    with pytest.raises(Retry):
        await process_event({"container": container, "job_try": 1}, str(message_id))
    await process_event({"container": container, "job_try": 2}, str(message_id))
    await process_event({"container": container, "job_try": 3}, str(message_id))  # redelivery
    assert len(sender.sent) == 1


async def test_the_in_process_queue_retries_then_records_dead() -> None:
    calls: list[str] = []
    dead: list[tuple[str, int]] = []

    async def handle(message_id: object) -> None:
        calls.append(str(message_id))
        raise RuntimeError("smtp down")

    async def record(message_id: object, error: str, attempts: int) -> None:
        dead.append((error, attempts))

    import uuid

    queue = InProcessJobQueue(handle, record, max_tries=3, base_delay=0.001)
    message_id = uuid.uuid4()
    await queue.enqueue(message_id)
    await queue.enqueue(message_id)  # already running: not twice
    for _ in range(100):
        if dead:
            break
        await asyncio.sleep(0.01)
    assert len(calls) == 3
    assert dead == [("RuntimeError: smtp down", 3)]
    await queue.close()


class UnmailableSender:
    """A mail the library or the server refuses for good (an address SMTP cannot carry)."""

    def __init__(self) -> None:
        self.tries = 0

    async def send(self, message: EmailMessage) -> None:
        self.tries += 1
        raise UndeliverableEmail(f"{message.to}: 553 mailbox name not allowed")


async def test_a_mail_that_can_never_be_delivered_is_recorded_dead_at_once_not_retried(
    container: Container,
) -> None:
    sender = UnmailableSender()
    container.email_sender.override(sender)
    await _registered(container)
    [message_id] = container.job_queue().pending  # type: ignore[attr-defined]
    await process_event({"container": container, "job_try": 1}, str(message_id))
    async with container.uow() as uow:
        [dead] = await uow.outbox.list_dead(10)
    assert (dead.message.id, dead.attempts, sender.tries) == (message_id, 1, 1)
    assert dead.last_error is not None
    assert "553 mailbox name not allowed" in dead.last_error


async def test_the_dispatcher_hands_over_at_most_its_batch_per_round(
    container: Container,
) -> None:
    for name in ("a", "b", "c"):
        await container.register_user().execute(
            RegisterUserCommand(f"{name}@x.io", "long password", name.upper())
        )
    dispatch = container.dispatch_outbox(batch=2)
    assert await dispatch.execute() == 2
    assert await dispatch.execute() == 1
    assert len(container.job_queue().pending) == 3  # type: ignore[attr-defined]
