from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.redis.circuit import RedisCircuit


async def _fallback() -> str:
    return "fallback"


async def test_a_failure_opens_the_circuit_and_a_late_success_does_not_close_it() -> None:
    circuit = RedisCircuit(object(), timeout=0.5, cooldown=0.3)  # type: ignore[arg-type]

    async def slow_ok(_client: Any) -> str:
        await asyncio.sleep(0.1)
        return "redis"

    async def broken(_client: Any) -> str:
        raise RedisConnectionError("down")

    slow = asyncio.create_task(circuit.run(slow_ok, _fallback))
    await asyncio.sleep(0.01)
    assert await circuit.run(broken, _fallback) == "fallback"
    assert await slow == "redis"
    assert circuit.is_open  # the success started before the failure proves nothing
    assert await circuit.run(slow_ok, _fallback) == "fallback"  # no Redis call while open
    await asyncio.sleep(0.35)
    assert await circuit.run(slow_ok, _fallback) == "redis"  # one probe closes it
    assert not circuit.is_open


async def test_a_hung_call_is_cut_at_twice_the_timeout() -> None:
    circuit = RedisCircuit(object(), timeout=0.05, cooldown=1)  # type: ignore[arg-type]

    async def hung(_client: Any) -> str:
        await asyncio.sleep(10)
        return "never"

    started = asyncio.get_running_loop().time()
    assert await circuit.run(hung, _fallback) == "fallback"
    assert asyncio.get_running_loop().time() - started < 0.5
    assert circuit.is_open
