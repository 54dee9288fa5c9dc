"""Slow clients against a real API process (`python -m entrypoints.http`, production settings):
idle connections, slowloris heads and trickled bodies are cut off after their timeouts while
everyone else keeps their latency, and beyond the connection bound a request gets a 503."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.integration.test_faults import api_server

pytestmark = pytest.mark.integration

HEAD_TIMEOUT = 2
BODY_TIMEOUT = 2
MAX_CONNECTIONS = 260
IDLE = SLOWLORIS = 100
SLOW_BODIES = 20
# Generous on purpose (a shared two-core machine): the cut-off must come, not to the millisecond.
CUT_OFF_WITHIN = 20.0

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def p95(http: httpx.AsyncClient, url: str, count: int = 40) -> float:
    """The 95th percentile of `count` sequential requests' latency, each answered 200."""
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        response = await http.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.quantiles(seconds, n=20)[-1]


@asynccontextmanager
async def connections(port: int, count: int, first: bytes = b"") -> AsyncIterator[list[Streams]]:
    opened = []
    try:
        for _ in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if first:
                writer.write(first)
            opened.append((reader, writer))
        yield opened
    finally:
        for _, writer in opened:
            writer.close()


async def trickle(streams: list[Streams], byte: bytes) -> None:
    """One more byte on every connection each second, as slowloris does (forever)."""
    while True:
        await asyncio.sleep(1)
        for _, writer in streams:
            if not writer.is_closing():
                with contextlib.suppress(ConnectionError):
                    writer.write(byte)


async def what_the_server_said_before_closing(reader: asyncio.StreamReader) -> bytes:
    with contextlib.suppress(ConnectionError):
        return await reader.read()  # until the server closes the connection
    return b""


async def cut_off(streams: list[Streams]) -> list[bytes]:
    reads: list[Awaitable[bytes]] = [what_the_server_said_before_closing(r) for r, _ in streams]
    return await asyncio.wait_for(asyncio.gather(*reads), CUT_OFF_WITHIN)


async def test_slow_clients_are_cut_off_while_other_requests_keep_their_latency(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    bounds = {
        "INKWELL_HTTP_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
        "INKWELL_HTTP_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "INKWELL_HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    }
    with api_server(migrated_postgres, redis_server, redis_prefix, **bounds) as server:
        url = f"{server.api}/posts?limit=5"
        async with httpx.AsyncClient(timeout=10) as http:
            calm = await p95(http, url)
            head = b"GET /api/v1/posts HTTP/1.1\r\nHost: inkwell\r\n"
            body_head = (
                b"POST /api/v1/users HTTP/1.1\r\nHost: inkwell\r\n"
                b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"
            )
            async with (
                connections(server.port, IDLE) as idle,
                connections(server.port, SLOWLORIS, head) as loris,
                connections(server.port, SLOW_BODIES, body_head) as bodies,
            ):
                drip = asyncio.gather(trickle(loris, b"X"), trickle(bodies, b" "))
                try:
                    busy = await p95(http, url)  # 220 slow connections are open meanwhile
                    idle_saw = await cut_off(idle)
                    loris_saw = await cut_off(loris)
                    bodies_saw = await cut_off(bodies)
                finally:
                    drip.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await drip
            assert busy <= 10 * calm + 0.2, (calm, busy)
            assert idle_saw == [b""] * IDLE  # closed without a word: it never asked anything
            assert all(said.startswith(b"HTTP/1.1 408 ") for said in loris_saw), loris_saw[0]
            assert all(b"application/problem+json" in said for said in loris_saw)
            assert all(said.startswith(b"HTTP/1.1 408 ") for said in bodies_saw), bodies_saw[0]
            assert all(b'"title":"Request Timeout"' in said for said in bodies_saw)
            assert (await http.get(url)).status_code == 200


async def test_beyond_the_connection_bound_a_request_gets_503_until_connections_free_up(
    migrated_postgres: str, redis_server: str, redis_prefix: str
) -> None:
    bounds = {
        "INKWELL_HTTP_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
        "INKWELL_HTTP_MAX_CONNECTIONS": "50",
    }
    with api_server(migrated_postgres, redis_server, redis_prefix, **bounds) as server:
        url = f"{server.api}/posts?limit=5"
        async with connections(server.port, 50) as held:
            async with httpx.AsyncClient(timeout=10) as http:
                refused = await http.get(url)
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.headers["retry-after"] == "1"
            assert refused.json()["title"] == "Service Unavailable"
            await cut_off(held)  # the idle ones go after the head timeout
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.get(url)).status_code == 200
