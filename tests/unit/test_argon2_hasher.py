from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from adapters.security.argon2_hasher import HASHING_NICENESS, Argon2PasswordHasher


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, max_workers=2)


async def test_hashes_verify_and_never_match_another_password(
    hasher: Argon2PasswordHasher,
) -> None:
    stored = await hasher.hash("correct horse \udcff")
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, "correct horse \udcff")
    assert not await hasher.verify(stored, "wrong horse")
    assert not await hasher.verify("not a hash", "correct horse")
    assert not hasher.needs_rehash(stored)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")
async def test_hashing_threads_yield_the_cpu_to_the_event_loop(
    hasher: Argon2PasswordHasher,
) -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    loop = asyncio.get_running_loop()
    in_pool = await loop.run_in_executor(hasher._pool, niceness)
    assert in_pool == niceness() + HASHING_NICENESS or in_pool == 19
    hasher.close()
