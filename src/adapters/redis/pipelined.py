"""One Redis connection that carries every command of the hot path, pipelined.

redis-py takes a pooled connection per command and waits for its reply before the connection
can serve another, which under load costs CPU on every command. Redis answers the commands of
one connection in order, so many concurrent requests can share one connection: each command
is written at once and its reply is matched to the oldest waiting caller, for a fraction of
that CPU (the figures: bench/README.md, "Figures behind code comments"). The replies are
parsed by hiredis.

Failure handling is that of a shared connection: a lost connection fails every caller
waiting on it (the next command reconnects); a reply that does not come within `timeout`
drops the connection (it may be hung), so one slow Redis cannot hold callers. A caller
cancelled from outside (its request went away) does not disturb the others: its reply is
read and thrown away.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import deque
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


class _Protocol(asyncio.Protocol):
    """Commands written in one loop iteration go out in one write; each caller's reply is
    the next one to arrive after the replies of those who asked before it."""

    def __init__(self, timeout: float) -> None:
        self._reader = hiredis.Reader(replyError=ResponseError)
        self._timeout = timeout
        self.waiters: deque[tuple[asyncio.Future[Any], float]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self._outgoing: list[bytes] = []
        self._watchdog: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        try:
            while (reply := self._reader.gets()) is not False:
                if not self.waiters:
                    raise RedisConnectionError("a reply nobody asked for")
                waiter, _ = self.waiters.popleft()
                if waiter.done():  # its caller was cancelled: the reply is dropped
                    continue
                if isinstance(reply, ResponseError):
                    waiter.set_exception(reply)
                else:
                    waiter.set_result(reply)
        except (hiredis.ProtocolError, RedisConnectionError) as exc:
            self.abort(RedisConnectionError(f"Redis protocol error: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._fail(RedisConnectionError("the connection to Redis was lost"))

    def _fail(self, exc: Exception) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self.waiters:
            waiter, _ = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)

    def abort(self, exc: Exception) -> None:
        self.lost = True
        self._fail(exc)
        if self.transport is not None:
            self.transport.abort()

    def _check_deadline(self) -> None:
        """One timer per connection, not one per command: the oldest unanswered command
        past its deadline means the connection is hung, and it is dropped."""
        self._watchdog = None
        if not self.waiters:
            return
        loop = asyncio.get_running_loop()
        deadline = self.waiters[0][1]
        if deadline <= loop.time():
            self.abort(RedisTimeoutError("Redis did not answer in time"))
        else:
            self._watchdog = loop.call_at(deadline, self._check_deadline)

    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if self.transport is not None and not self.lost:
            self.transport.write(b"".join(outgoing))

    def send(self, commands: list[tuple[Any, ...]]) -> list[asyncio.Future[Any]]:
        if self.transport is None or self.lost:
            raise RedisConnectionError("not connected")
        packed = [hiredis.pack_command(c) for c in commands]  # may raise: nothing queued yet
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        futures = [loop.create_future() for _ in commands]
        self.waiters.extend((future, deadline) for future in futures)
        if not self._outgoing:
            loop.call_soon(self._flush)
        self._outgoing.extend(packed)
        if self._watchdog is None:
            self._watchdog = loop.call_at(deadline, self._check_deadline)
        return futures


class Script:
    """A Lua script sent by its SHA1 (EVALSHA); loaded again when Redis has forgotten it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()


def _tls_context(options: dict[str, Any]) -> ssl.SSLContext:
    """The TLS options of a rediss:// URL, read as redis-py reads them."""
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    if options.get("ssl_certfile"):
        context.load_cert_chain(options["ssl_certfile"], options.get("ssl_keyfile"))
    requirement = options.get("ssl_cert_reqs", "required")
    if requirement in ("none", ssl.CERT_NONE):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif requirement in ("optional", ssl.CERT_OPTIONAL):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_OPTIONAL
    elif options.get("ssl_check_hostname") in (False, "false", "False"):
        context.check_hostname = False
    return context


class PipelinedRedis:
    def __init__(self, url: str, *, timeout: float) -> None:
        options = parse_url(url)
        self._timeout = timeout
        self._db = int(options.get("db") or 0)
        self._username = options.get("username")
        self._password = options.get("password")
        self._path: str | None = None
        self._address = (str(options.get("host", "localhost")), int(options.get("port", 6379)))
        self._ssl: ssl.SSLContext | None = None
        kind = options.get("connection_class")
        if kind is UnixDomainSocketConnection:
            self._path = str(options["path"])
        elif kind is SSLConnection:
            self._ssl = _tls_context(dict(options))
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Task[_Protocol] | None = None

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()

        def make() -> _Protocol:
            return _Protocol(self._timeout)

        async with asyncio.timeout(self._timeout):
            if self._path is not None:
                _, protocol = await loop.create_unix_connection(make, self._path)
            else:
                host, port = self._address
                _, protocol = await loop.create_connection(make, host, port, ssl=self._ssl)
            setup: list[tuple[Any, ...]] = []
            if self._password is not None:
                user = () if self._username is None else (self._username,)
                setup.append(("AUTH", *user, self._password))
            if self._db:
                setup.append(("SELECT", self._db))
            replies = await asyncio.gather(*protocol.send(setup), return_exceptions=True)
            failed = [r for r in replies if isinstance(r, BaseException)]
            if failed:
                protocol.abort(RedisConnectionError("Redis refused the connection's setup"))
                raise failed[0]
        return protocol

    def _connected(self, task: asyncio.Task[_Protocol]) -> None:
        """Runs when a connect attempt ends, whoever (if anyone) still waits for it."""
        if self._connecting is task:
            self._connecting = None
        if not task.cancelled() and task.exception() is None:
            self._protocol = task.result()

    async def _connection(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and not protocol.lost:
            return protocol
        connecting = self._connecting
        if connecting is None:
            connecting = asyncio.get_running_loop().create_task(self._connect())
            connecting.add_done_callback(self._connected)
            self._connecting = connecting
        try:
            return await asyncio.shield(connecting)
        except OSError as exc:  # refused, unreachable, connect timeout
            raise RedisConnectionError(f"cannot connect to Redis: {exc}") from exc

    async def pipeline(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Every command's reply, in order; raises the first error reply (the commands after
        it have still been run, as in a non-transactional pipeline)."""
        protocol = await self._connection()
        futures = protocol.send(list(commands))
        if len(futures) == 1:
            return [await futures[0]]
        replies = await asyncio.gather(*futures, return_exceptions=True)
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
        return replies

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
        if self._connecting is not None:
            self._connecting.cancel()
            self._connecting = None
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None
