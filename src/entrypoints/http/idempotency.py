"""Idempotency-Key on POST /posts and POST /users: a repeat replays the first answer; the same
key with a different request is 422. The key's answer is stored by the use case, in the
transaction of the resource it creates (see application.operations.idempotency), so this edge only
parses the header, fingerprints the request (keyed: see container.request_fingerprints) and
renders answers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request, Response

from application.errors import IdempotencyKeyInUse
from application.operations.idempotency import Idempotency, IdempotentReplyQuery
from application.ports.idempotency import IdempotencyKey, StoredResponse
from entrypoints.container import Container
from entrypoints.http.errors import problem
from entrypoints.http.problems import problem_responses

KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
V = TypeVar("V")

# Read by `idempotent` itself (a malformed key is a 400), so it is documented by hand.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Makes retries safe: a repeat replays the first answer "
            "(`Idempotent-Replayed: true`), also while the first is still running (it waits "
            "for it); the same key with another body is a 422.",
            "schema": {"type": "string", "pattern": KEY_PATTERN},
        }
    ]
}


def idempotent_create(model: type[Any], created: dict[str, Any], *codes: int) -> dict[str, Any]:
    """The route options of a POST that creates (a 201 with `created`'s headers and links),
    accepts an Idempotency-Key and may answer the problems `codes`."""
    return {
        "status_code": 201,
        "response_model": model,
        "responses": {201: created, **problem_responses(*codes)},
        "openapi_extra": IDEMPOTENCY_KEY,
    }


def _respond(answer: StoredResponse) -> Response:
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


def _replay(answer: StoredResponse) -> Response:
    headers = {**answer.headers, "Idempotent-Replayed": "true"}
    return Response(answer.body, status_code=answer.status, headers=headers)


async def idempotent(
    request: Request,
    container: Container,
    scope: str,
    run: Callable[[Idempotency[V] | None], Awaitable[V]],
    render: Callable[[V], StoredResponse],
) -> Response:
    """`run` executes the use case with the command's idempotency part (None without a key);
    `render` turns its result into the answer, given and stored alike."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return _respond(render(await run(None)))
    if not _KEY.match(key):
        return problem(
            400, "Bad Request", "Idempotency-Key must be 1-255 characters of [A-Za-z0-9._:-]."
        )
    # Keyed (a registration's body holds its password). surrogateescape keeps any bytes, so
    # two different bodies never read as one.
    body = (await request.body()).decode("utf-8", "surrogateescape")
    fingerprint = container.request_fingerprints().of(
        f"{request.method}\0{request.url.path}\0{body}"
    )
    find = container.find_idempotent_reply
    slot = IdempotencyKey(scope, request.url.path, key)
    query = IdempotentReplyQuery(slot, fingerprint)
    # A repeat is answered without running again (no second password hash, no rate-limit hit).
    stored = await find().execute(query)  # another request's key: 422
    if stored is not None:
        return _replay(stored)
    try:
        result = await run(Idempotency(slot, fingerprint, render))
    except IdempotencyKeyInUse:
        # A concurrent request with this key committed first (the store waited for it) and
        # this one rolled back: its answer is the answer.
        stored = await find().execute(query)
        if stored is None:
            raise
        return _replay(stored)
    return _respond(render(result))
