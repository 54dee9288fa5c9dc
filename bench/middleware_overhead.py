"""Per-request cost of the request middleware (request id, security headers, access log,
HTTP metrics) around a trivial ASGI app: `.venv/bin/python -m bench.middleware_overhead`.

The access log is rendered as JSON and written to /dev/null (a write and a flush per line,
as in production). Figures are the best of several rounds, minus the bare app's cost."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from entrypoints.http.middleware import RequestIdMiddleware
from entrypoints.observability.logs import ACCESS_LOGGER, configure_logging, get_logger
from entrypoints.observability.metrics import Metrics

PATH = "/api/v1/posts/0b8f7e1c-1111-2222-3333-444455556666"
HEADERS = [(b"host", b"x"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]


class _Route:
    path = path_format = "/posts/{post_id}"


_ROUTE = _Route()


async def app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    scope["route"] = _ROUTE  # as the router leaves it
    scope["path_params"] = {"post_id": PATH.rsplit("/", 1)[1]}
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(_message: dict[str, Any]) -> None:
    return None


async def per_request_us(asgi: Any, n: int = 20_000, rounds: int = 7) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            scope = {"type": "http", "method": "GET", "path": PATH, "headers": HEADERS}
            await asgi(scope, _receive, _send)
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


async def main() -> None:
    with open("/dev/null", "w") as null:  # noqa: ASYNC230 - set up once, before timing
        configure_logging("json", "INFO", stream=null, force=True)
        access = get_logger(ACCESS_LOGGER)
        bare = await per_request_us(app)
        cases = {
            "request id + headers only": RequestIdMiddleware(app),
            "+ metrics": RequestIdMiddleware(app, metrics=Metrics()),
            "+ access log": RequestIdMiddleware(app, access_log=access),
            "+ access log + metrics": RequestIdMiddleware(app, access_log=access, metrics=Metrics()),
        }
        print(f"bare app: {bare:.2f} us per request")
        for name, asgi in cases.items():
            print(f"{name:28s} +{await per_request_us(asgi) - bare:.2f} us per request")


if __name__ == "__main__":
    asyncio.run(main())
