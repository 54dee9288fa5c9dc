"""A request body must arrive within INKWELL_HTTP_BODY_TIMEOUT_SECONDS (slow POST attacks).

The app is called as uvicorn calls it, with a client whose body stalls part way; httpx's
ASGI transport cannot stall, it hands the app the whole body at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from entrypoints.container import build_container, shutdown
from entrypoints.http.app import create_app
from tests.conftest import make_settings
from tests.e2e.conftest import PASSWORD

BODY = json.dumps({"email": "slow@example.com", "password": PASSWORD, "name": "Slow"}).encode()
HANG_GUARD_SECONDS = 10  # only so that a broken build fails instead of hanging the suite


@pytest.fixture
async def impatient_app() -> AsyncIterator[FastAPI]:
    container = build_container(make_settings(http_body_timeout_seconds=0.3))
    yield create_app(container)
    await shutdown(container)


async def post_in_chunks(
    app: FastAPI, chunks: list[bytes], pause: float, stall: bool = False
) -> dict[str, Any]:
    """POST /api/v1/users sending `chunks` `pause` seconds apart; with `stall` the client
    then goes silent without finishing its body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/users",
        "raw_path": b"/api/v1/users",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
        ],
        "client": ("203.0.113.7", 50000),
        "server": ("test", 80),
    }
    pending = list(chunks)
    silent = asyncio.Event()  # never set: the client stops sending

    async def receive() -> dict[str, Any]:
        if not pending:
            await silent.wait()
        await asyncio.sleep(pause)
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending) or stall}

    sent: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            sent["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), HANG_GUARD_SECONDS)
    return sent


async def test_a_body_that_stops_arriving_is_refused_with_408(impatient_app: FastAPI) -> None:
    answer = await post_in_chunks(impatient_app, [BODY[:10]], pause=0, stall=True)
    assert answer["status"] == 408
    assert answer["headers"]["content-type"] == "application/problem+json"
    assert answer["headers"]["connection"] == "close"
    assert json.loads(answer["body"])["title"] == "Request Timeout"


async def test_a_body_trickling_past_the_deadline_is_refused_with_408(
    impatient_app: FastAPI,
) -> None:
    trickle = [BODY[i : i + 4] for i in range(0, len(BODY), 4)]  # 0.1 s apart: > 0.3 s in all
    answer = await post_in_chunks(impatient_app, trickle, pause=0.1)
    assert answer["status"] == 408


async def test_a_body_that_arrives_in_time_in_pieces_is_served(impatient_app: FastAPI) -> None:
    answer = await post_in_chunks(impatient_app, [BODY[:10], BODY[10:]], pause=0.05)
    assert answer["status"] == 201, answer["body"]
