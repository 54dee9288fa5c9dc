"""The gate in front of the database pool: a free permit costs no wait; waiters are served in
arrival order; a wait past the pool timeout is StoreUnavailable (503), never a hang; a unit of
work that fails to start gives its permit back."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import ConnectionGate
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from adapters.system.clock import Uuid4Generator
from adapters.text.skeletons import Uts39Skeleton
from application.errors import StoreUnavailable


async def test_waiters_get_permits_in_arrival_order() -> None:
    gate = ConnectionGate(size=1, timeout=1)
    await gate.acquire()
    order: list[int] = []

    async def waiter(i: int) -> None:
        await gate.acquire()
        order.append(i)
        gate.release()

    waiters = [asyncio.create_task(waiter(i)) for i in range(5)]
    await asyncio.sleep(0.01)
    assert order == []
    gate.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3, 4]


async def test_a_wait_past_the_timeout_is_store_unavailable_and_keeps_no_permit() -> None:
    gate = ConnectionGate(size=1, timeout=0.05)
    await gate.acquire()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await gate.acquire()
    assert time.monotonic() - started < 0.5
    gate.release()
    await asyncio.wait_for(gate.acquire(), 0.1)  # the timed-out waiter took nothing


async def test_a_unit_of_work_whose_begin_fails_gives_back_its_connection_and_permit() -> None:
    """SQLite's BEGIN IMMEDIATE can wait out its busy timeout and fail; the connection and the
    gate permit must come back, or enough such failures leave every request a 503."""
    closed: list[bool] = []

    class Connection:
        async def begin(self) -> None:
            raise OSError("database is locked")

        async def close(self) -> None:
            closed.append(True)

    class Engine:
        async def connect(self) -> Connection:
            return Connection()

    class Signal:
        def notify(self) -> None: ...

    gate = ConnectionGate(size=1, timeout=0.05)
    uow = SqlAlchemyUnitOfWork(
        cast(AsyncEngine, Engine()),
        Uuid4Generator(),
        cast(Any, None),  # not reached: nothing commits
        Signal(),
        Uts39Skeleton(),
        gate=gate,
    )
    with pytest.raises(StoreUnavailable):
        async with uow:
            pass
    assert closed == [True]
    await asyncio.wait_for(gate.acquire(), 0.1)  # the permit came back
