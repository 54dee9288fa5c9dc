"""PipelinedRedis's interface on coredis, for measuring the library beside our client.

coredis multiplexes: a command is written on a pooled connection, which goes back to the
pool before its reply is awaited, so concurrent callers share a connection. Its pool lives
in an anyio task group that must be entered and left by one task: a task of this client
owns it from the first command to `close()` (or until the task group fails, when the next
command starts a new owner). Its errors are translated to redis-py's, which the circuit
breaker and RedisCache know.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import coredis
import coredis.exceptions as coredis_errors
from coredis.response._callbacks import NoopCallback
from coredis.retry import NoRetryPolicy
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters.redis.pipelined import Script


@asynccontextmanager
async def _redis_errors() -> AsyncIterator[None]:
    try:
        yield
    except coredis_errors.NoScriptError as exc:  # coredis drops the prefix redis-py keeps
        raise ResponseError(f"NOSCRIPT {exc}") from exc
    except coredis_errors.ResponseError as exc:
        raise ResponseError(str(exc)) from exc
    except (coredis_errors.ConnectionError, OSError) as exc:
        raise RedisConnectionError(str(exc)) from exc
    except TimeoutError as exc:
        raise RedisTimeoutError(str(exc)) from exc
    except coredis_errors.RedisError as exc:
        raise RedisError(str(exc)) from exc


class CoredisRedis:
    def __init__(self, url: str, *, timeout: float) -> None:
        self._client: coredis.Redis[bytes] = coredis.Redis.from_url(
            url,
            stream_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
            retry_policy=NoRetryPolicy(),  # the circuit breaker decides what a failure means
            verify_version=False,
        )
        self._timeout = timeout
        self._owner: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()

    async def _own(self, ready: asyncio.Future[None], stop: asyncio.Event) -> None:
        try:
            async with self._client:
                ready.set_result(None)
                await stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            if not isinstance(exc, Exception):
                raise

    async def _started(self) -> None:
        if self._owner is None or self._owner.done():
            loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready = loop.create_future()
            self._owner = loop.create_task(self._own(self._ready, self._stop))
        assert self._ready is not None
        async with asyncio.timeout(self._timeout):
            await asyncio.shield(self._ready)

    async def pipeline(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Every command's reply, in order; raises the first error reply."""
        async with _redis_errors():
            await self._started()
            if len(commands) == 1:
                return [await self._request(commands[0])]
            async with self._client.pipeline(transaction=False) as pipe:
                for command in commands:
                    pipe.create_request(
                        str(command[0]).encode(), *command[1:], callback=NoopCallback()
                    )
            return list(pipe.results or ())

    def _request(self, command: tuple[Any, ...]) -> Any:
        name, *args = command
        return self._client.create_request(str(name).encode(), *args, callback=NoopCallback())

    async def execute(self, *command: Any) -> Any:
        return (await self.pipeline(command))[0]

    async def evalsha(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.execute("EVALSHA", script.sha, len(keys), *keys, *args)
        except ResponseError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
            return await self.execute("EVAL", script.source, len(keys), *keys, *args)

    async def close(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            self._stop.set()
            await asyncio.gather(owner, return_exceptions=True)
