"""The outbox counts behind `inkwell_outbox_messages`, on memory, SQLite and Postgres."""

from __future__ import annotations

import pytest

from application.accounts.registration import RegisterUserCommand
from application.ports.jobs import OutboxCounts
from entrypoints.container import Container

pytestmark = pytest.mark.integration


async def test_outbox_messages_are_counted_by_delivery_state(backend: Container) -> None:
    assert await backend.outbox_stats().counts() == OutboxCounts(0, 0, 0, 0)
    for name in "abcd":
        command = RegisterUserCommand(f"{name}@x.io", "long password", name.upper())
        await backend.register_user().execute(command)
    now = backend.clock().now()
    async with backend.uow() as uow:
        first, second, third, _fourth = await uow.outbox.claim_due(10)
        await uow.outbox.mark_dispatched([first.message.id, second.message.id], now)
        await uow.outbox.mark_processed(first.message.id, now)
        await uow.outbox.mark_dead(third.message.id, "RuntimeError", 8, now)
        await uow.commit()
    counts = await backend.outbox_stats().counts()
    assert counts == OutboxCounts(pending=1, in_flight=1, processed=1, dead=1)
