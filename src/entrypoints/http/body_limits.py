"""The request body's limits, in one pure ASGI layer around the app's `receive`: its size
(`INKWELL_MAX_BODY_BYTES`, chunked bodies with no Content-Length included: 413) and the time
it may take to arrive (`INKWELL_HTTP_BODY_TIMEOUT_SECONDS`, from the app's first read: 408,
connection closed), so a client trickling a body cannot hold a request open. The head has its
own deadline in the server protocol (`protocol.py`)."""

from __future__ import annotations

import asyncio
import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parser re-raises it instead of answering 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than {max_bytes} bytes.")


class _BodyTooSlow(HTTPException):
    """An HTTPException for the same reason; the connection closes with the answer, since
    what is left of the body may still be on its way."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {seconds:g} seconds.",
            headers={"Connection": "close"},
        )


class BodyLimitsMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            # No body (RFC 9112 6.3: neither header on a request means length 0): nothing to
            # bound, so most reads go straight through, without two wrappers per request.
            await self.app(scope, receive, send)
            return
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send, 413 if declared.isdigit() else 400)
            return
        received = 0
        deadline: float | None = None
        complete = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, deadline, complete
            if complete:  # after the body only a disconnect can come: waiting for it is fine
                return await receive()
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + self.timeout_seconds
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow(self.timeout_seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except (_BodyTooLarge, _BodyTooSlow) as refused:
            if not started:
                await self._reject(send, refused.status_code)

    async def _reject(self, send: Send, status: int) -> None:
        title, detail = {
            413: ("Content Too Large", f"The request body is larger than {self.max_bytes} bytes."),
            408: (
                "Request Timeout",
                f"The request body did not arrive within {self.timeout_seconds:g} seconds.",
            ),
        }.get(status, ("Bad Request", "Invalid Content-Length header."))
        body = json.dumps(  # rendered as JSONResponse renders every other problem
            {"type": "about:blank", "title": title, "status": status, "detail": detail},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
