"""The pipelined Redis connection of the hot path, against real redis-server processes:
replies reach the right callers under concurrency, cancellations and error replies; a lost,
hung or refusing server fails callers fast and the next command reconnects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters.redis.pipelined import PipelinedRedis, Script
from tests.integration.conftest import OwnRedis, started_redis

pytestmark = pytest.mark.integration


@pytest.fixture
def guarded_redis(tmp_path: Path) -> Iterator[tuple[OwnRedis, Path]]:
    """A redis-server with a password, also listening on a unix socket."""
    socket_path = tmp_path / "redis.sock"
    with started_redis(
        "--requirepass", "s3cret-pw", "--unixsocket", str(socket_path), "--unixsocketperm", "700"
    ) as server:
        yield server, socket_path


async def test_concurrent_callers_each_get_their_own_reply(redis_server: str) -> None:
    redis = PipelinedRedis(redis_server, timeout=1)
    try:
        key = f"inkwell-test-pipelined-{time.monotonic_ns()}"
        replies = await asyncio.gather(*(redis.execute("ECHO", f"n{i}") for i in range(500)))
        assert replies == [f"n{i}".encode() for i in range(500)]
        assert await redis.pipeline(("SET", key, b"v", "EX", 30), ("GET", key)) == [b"OK", b"v"]
        await redis.execute("DEL", key)
    finally:
        await redis.close()


async def test_an_error_reply_or_a_cancelled_caller_leaves_the_others_in_order(
    redis_server: str,
) -> None:
    redis = PipelinedRedis(redis_server, timeout=1)
    try:
        with pytest.raises(ResponseError):
            await redis.execute("NO-SUCH-COMMAND")
        calls = [asyncio.ensure_future(redis.execute("ECHO", f"n{i}")) for i in range(50)]
        await asyncio.sleep(0)  # all written
        for call in calls[::3]:
            call.cancel()
        done = await asyncio.gather(*calls, return_exceptions=True)
        for i, reply in enumerate(done):
            assert (
                isinstance(reply, asyncio.CancelledError)
                if i % 3 == 0
                else reply == f"n{i}".encode()
            )
        assert await redis.execute("ECHO", "after") == b"after"
    finally:
        await redis.close()


async def test_a_script_redis_forgot_is_sent_again(redis_server: str) -> None:
    redis = PipelinedRedis(redis_server, timeout=1)
    script = Script("return ARGV[1] .. '!'")
    try:
        assert await redis.evalsha(script, [], ["hi"]) == b"hi!"
        await redis.execute("SCRIPT", "FLUSH")
        assert await redis.evalsha(script, [], ["again"]) == b"again!"
        with pytest.raises(ResponseError):
            await redis.evalsha(Script("return redis.call('INCR', 'x', 'y')"), [], [])
    finally:
        await redis.close()


async def test_password_database_index_and_unix_socket_come_from_the_url(
    guarded_redis: tuple[OwnRedis, Path],
) -> None:
    server, socket_path = guarded_redis
    tcp = PipelinedRedis(f"redis://:s3cret-pw@127.0.0.1:{server.port}/3", timeout=1)
    unix = PipelinedRedis(f"unix://:s3cret-pw@{socket_path}?db=3", timeout=1)
    wrong = PipelinedRedis(f"redis://:wrong@127.0.0.1:{server.port}/5", timeout=1)
    try:
        await tcp.execute("SET", "k", b"in db 3")
        assert await unix.execute("GET", "k") == b"in db 3"
        assert b" db=3 " in await tcp.execute("CLIENT", "INFO")
        assert b" db=3 " in await unix.execute("CLIENT", "INFO")
        for _ in range(2):  # AUTH and SELECT both refused: an error, nothing left unread
            with pytest.raises(RedisError):
                await wrong.execute("GET", "k")
    finally:
        for client in (tcp, unix, wrong):
            await client.close()


async def test_a_lost_server_fails_callers_at_once_and_a_new_one_is_reached(
    own_redis: OwnRedis,
) -> None:
    redis = PipelinedRedis(own_redis.url, timeout=1)
    try:
        assert await redis.execute("PING") == b"PONG"
        own_redis.kill()
        started = time.monotonic()
        with pytest.raises(RedisConnectionError):
            await redis.execute("PING")
        with pytest.raises(RedisConnectionError):
            await redis.execute("PING")  # refused on reconnect
        assert time.monotonic() - started < 1
        own_redis.start()
        assert await redis.execute("PING") == b"PONG"
    finally:
        await redis.close()


async def test_a_hung_server_times_out_and_its_connection_is_dropped(own_redis: OwnRedis) -> None:
    redis = PipelinedRedis(own_redis.url, timeout=0.3)
    try:
        assert await redis.execute("PING") == b"PONG"
        own_redis.pause()
        started = time.monotonic()
        results = await asyncio.gather(
            *(redis.execute("PING") for _ in range(10)), return_exceptions=True
        )
        assert all(isinstance(r, RedisTimeoutError | RedisConnectionError) for r in results)
        assert time.monotonic() - started < 1
        own_redis.resume()
        assert await redis.execute("PING") == b"PONG"  # on a new connection
    finally:
        own_redis.resume()
        await redis.close()


async def test_a_closed_client_connects_again_when_used(redis_server: str) -> None:
    redis = PipelinedRedis(redis_server, timeout=1)
    try:
        assert await redis.execute("PING") == b"PONG"
        await redis.close()
        assert await redis.execute("PING") == b"PONG"
        connecting = asyncio.ensure_future(redis.execute("PING"))
        await redis.close()  # while a command may still be connecting
        await asyncio.gather(connecting, return_exceptions=True)
        assert await redis.execute("PING") == b"PONG"
    finally:
        await redis.close()


async def test_a_cancelled_oldest_caller_does_not_hide_a_hung_server(own_redis: OwnRedis) -> None:
    redis = PipelinedRedis(own_redis.url, timeout=0.3)
    try:
        assert await redis.execute("PING") == b"PONG"
        own_redis.pause()
        oldest = asyncio.ensure_future(redis.execute("PING"))
        await asyncio.sleep(0.05)
        others = [asyncio.ensure_future(redis.execute("PING")) for _ in range(3)]
        oldest.cancel()
        started = time.monotonic()
        results = await asyncio.gather(*others, return_exceptions=True)
        assert all(isinstance(r, RedisTimeoutError | RedisConnectionError) for r in results)
        assert time.monotonic() - started < 1
    finally:
        own_redis.resume()
        await redis.close()
