from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.ports.security import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    """argon2id in a bounded thread pool: the event loop never hashes, and at most
    `max_workers` hashes (each `memory_cost` KiB) run at once, so memory stays flat under a
    login storm. argon2-cffi releases the GIL while hashing, so hashes run on other cores
    beside the loop; the hashing threads run at a lower CPU priority, so when cores are
    short a login storm slows the logins rather than every other request."""

    def __init__(
        self, *, time_cost: int, memory_cost: int, parallelism: int, max_workers: int
    ) -> None:
        self._argon = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._pool = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="argon2", initializer=_yield_cpu
        )
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._argon.hash, _bytes(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._verify_sync, password_hash, password)

    def _verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, _bytes(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def burn(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


HASHING_NICENESS = 19


def _yield_cpu() -> None:
    """Lower this (hashing) thread's scheduling priority; Linux schedules threads apart."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _bytes(password: str) -> bytes:
    # surrogatepass: any str a client can send hashes instead of raising on lone surrogates.
    return password.encode("utf-8", "surrogatepass")
