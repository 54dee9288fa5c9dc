"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, security headers,
access log and HTTP metrics in one layer (the request body's limits: `body_limits.py`)."""

from __future__ import annotations

import itertools
import re
import uuid
from time import perf_counter
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import FilteringBoundLogger

from entrypoints.observability.logs import request_id_var, user_id_var
from entrypoints.observability.metrics import UNMATCHED_ROUTE, Metrics

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


# API answers hold personal data or credentials: no browser or proxy may keep a copy.
_NO_STORE = (b"cache-control", b"no-store")


_PROCESS_PREFIX = uuid.uuid4().hex[:16]
_counter = itertools.count()


def _next_request_id() -> str:
    """Unique without a system call per request: a random per-process prefix and a counter."""
    return f"{_PROCESS_PREFIX}{next(_counter):016x}"


def response_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """What every response carries: the request id, the security headers and, under /api/,
    Cache-Control: no-store. The 500 handler adds them itself, because Starlette sends its
    answer from outside every middleware."""
    request_id = scope.get("state", {}).get("request_id") or _next_request_id()
    headers = [(b"x-request-id", request_id.encode()), *_SECURITY_HEADERS]
    if scope["path"].startswith("/api/"):
        headers.append(_NO_STORE)
    return headers


class GzipWhenAccepted:
    """Starlette's GZip, but requests whose client does not accept gzip skip it entirely
    (Starlette still wraps their responses, which costs every request)."""

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"gzip" in dict(scope["headers"]).get(
            b"accept-encoding", b""
        ):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class RequestIdMiddleware:
    """The one layer every request passes for operability: its request id (a client's
    X-Request-ID when it is safe to log, else a minted one), basic security headers, the
    access log line and the HTTP metrics.

    The access line and the metrics use the route *template* (`/api/v1/posts/{post_id}`),
    read from `scope["route"]` once the inner app has routed the request, never the raw
    path or its query string; anything no route matched is `<unmatched>`."""

    def __init__(
        self,
        app: ASGIApp,
        access_log: FilteringBoundLogger | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self._log = access_log
        self._metrics = metrics
        self._templates: dict[int, tuple[object, str]] = {}  # id(route) -> (route, template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else _next_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        added = response_headers(scope)
        status = 500  # unless a response starts: an exception escaping the app becomes a 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # What the app set wins: a route's own Cache-Control, or the headers the 500
                # handler adds itself (it also answers from outside this middleware).
                own = list(message.get("headers", []))
                present = {name.lower() for name, _ in own}
                message["headers"] = own + [h for h in added if h[0] not in present]
            await send(message)

        request_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(request_token)
            user_id_var.reset(user_token)
            self._record(scope, state, request_id, status, perf_counter() - started)

    def _record(
        self, scope: Scope, state: dict[str, Any], request_id: str, status: int, seconds: float
    ) -> None:
        route = self._template(scope)
        method: str = scope["method"]
        if self._metrics is not None:
            self._metrics.observe_request(method, route, status, seconds)
        if self._log is not None:
            user_id = state.get("user_id")
            (self._log.error if status >= 500 else self._log.info)(
                "request",
                request_id=request_id,
                user_id=None if user_id is None else str(user_id),
                method=method,
                route=route,
                status=status,
                latency_ms=round(seconds * 1000, 3),
            )

    def _template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED_ROUTE
        known = self._templates.get(id(route))
        if known is not None and known[0] is route:
            return known[1]
        template, complete = _route_template(route, scope)
        if complete:  # bounded: one entry per route of the app (routes are not hashable)
            self._templates[id(route)] = (route, template)
        return template


def _route_template(route: object, scope: Scope) -> tuple[str, bool]:
    """The matched route's path template with the prefixes of the routers that include it.
    A route knows only its own path (`/posts/{post_id}`); the prefix is what the request
    path holds before the part the route matched. False when that cannot be told apart."""
    local = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(local, str):
        return UNMATCHED_ROUTE, False
    try:
        concrete = local.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return local, False
    path: str = scope.get("path", "")
    if not concrete or not path.endswith(concrete):
        return local, False
    return path[: len(path) - len(concrete)] + local, True
