"""uvicorn's httptools protocol with the two bounds it lacks against slow clients.

- A request head must arrive within `INKWELL_HTTP_HEADER_TIMEOUT_SECONDS`: a connection that
  sends nothing after it opened is closed, one that started a head and did not finish it gets
  a 408 and is closed (slowloris). Between requests uvicorn's keep-alive timeout applies.
  Once a head is complete the body is the app's business (`body_limits.py`), except for a
  body the app never read: what is left of it must arrive within the same head timeout.
- Beyond `--limit-concurrency` (`INKWELL_HTTP_MAX_CONNECTIONS`) open connections, or as many
  requests in flight, a request is answered 503 problem+json with `Retry-After` and its
  connection closed, instead of queueing without end. (uvicorn's own check answers plain text
  and refuses at the limit, not above it; it is switched off in favour of this one.)

`python -m entrypoints.http` selects it with `--http entrypoints.http.protocol:BoundedHttpProtocol`.
The head deadline costs a request two attribute writes: each connection has one timer, which
re-arms itself, and when it fires it compares the start of the head being waited for with the
clock. (A timer armed and cancelled per request left every cancelled handle in the event
loop's heap until its 10 s were up: tens of thousands at a few thousand requests a second.)
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from entrypoints.settings import Settings

OVERLOADED_RETRY_AFTER_SECONDS = 1


def _problem(status: int, title: str, detail: str) -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    ).encode()


_TIMEOUT_BODY = _problem(408, "Request Timeout", "The request head did not arrive in time.")
_OVERLOADED_BODY = _problem(
    503, "Service Unavailable", "Too many connections to this server; retry shortly."
)
_TIMEOUT_RESPONSE = b"".join(
    [
        b"HTTP/1.1 408 Request Timeout\r\n",
        b"content-type: application/problem+json\r\n",
        b"content-length: %d\r\n" % len(_TIMEOUT_BODY),
        b"connection: close\r\n\r\n",
        _TIMEOUT_BODY,
    ]
)


async def overloaded(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(_OVERLOADED_BODY)).encode()),
                (b"retry-after", str(OVERLOADED_RETRY_AFTER_SECONDS).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _OVERLOADED_BODY, "more_body": False})


@cache
def _header_timeout() -> float:
    """From the environment, once per process (uvicorn's workers each import this module)."""
    return Settings().http_header_timeout_seconds


class BoundedHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._app = self.app
        self._max_connections = self.limit_concurrency
        self.limit_concurrency = None  # checked here, answering problem+json
        self._header_timeout = _header_timeout()
        self._deadline: asyncio.TimerHandle | None = None
        # When the head (or unread body) now awaited began to be waited for; None: nothing
        # is awaited within the head timeout (a request is being served, or keep-alive).
        self._waiting_since: float | None = None
        self._partial = False  # a head has begun: its expiry answers 408

    def _wait(self, partial: bool) -> None:
        self._waiting_since = self.loop.time()
        self._partial = partial

    def _check(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        now, since = self.loop.time(), self._waiting_since
        if since is not None and now - since >= self._header_timeout:
            self._expire()
            return
        later = self._header_timeout if since is None else since + self._header_timeout - now
        self._deadline = self.loop.call_later(later, self._check)

    def _expire(self) -> None:
        if self._partial and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait(False)  # a connection that never sends a request
        self._deadline = self.loop.call_later(self._header_timeout, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._wait(True)  # the first byte of a head: the rest must follow in time
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        limit = self._max_connections
        if limit is not None and (len(self.connections) > limit or len(self.tasks) >= limit):
            self.app = overloaded  # for this request only: the next one is checked again
        else:
            self.app = self._app
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle = self.cycle
        if cycle.response_complete and cycle.more_body and not self.transport.is_closing():
            # Answered before its body was read (an error, a route that ignores it): the rest
            # must still arrive in time, or a trickle would hold the connection forever.
            self._wait(False)
