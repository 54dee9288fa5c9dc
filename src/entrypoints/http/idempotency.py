"""Idempotency-Key on POST /posts and POST /users: a repeat replays the first response;
the same key with a different request is 422; a repeat while the first still runs is 409."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response

from application.ports.idempotency import IdempotencyStore, StoredResponse
from entrypoints.http.errors import problem

KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
# A claim lives this long while its request runs; the answer is kept for the full TTL.
# So a request that dies (process killed, store unreachable) blocks retries briefly, not a day.
RUNNING_CLAIM_SECONDS = 60
_REPLAYED_HEADERS = ("location", "etag", "content-type")

# Read by `idempotent` itself (a malformed key is a 400), so it is documented by hand.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Makes retries safe: a repeat replays the first answer "
            "(`Idempotent-Replayed: true`); the same key with another body is a 422, a repeat "
            "while the first is still running a 409.",
            "schema": {"type": "string", "pattern": KEY_PATTERN},
        }
    ]
}


async def idempotent(
    request: Request,
    store: IdempotencyStore,
    scope: str,
    ttl_seconds: int,
    run: Callable[[], Awaitable[Response]],
) -> Response:
    key = request.headers.get("idempotency-key")
    if key is None:
        return await run()
    if not _KEY.match(key):
        return problem(
            400, "Bad Request", "Idempotency-Key must be 1-255 characters of [A-Za-z0-9._:-]."
        )
    fingerprint = hashlib.sha256(
        b"\0".join([request.method.encode(), request.url.path.encode(), await request.body()])
    ).hexdigest()
    slot = f"{scope}:{request.url.path}:{key}"
    claim = await store.claim(slot, fingerprint, min(ttl_seconds, RUNNING_CLAIM_SECONDS))
    if not claim.owner:
        if claim.fingerprint != fingerprint:
            return problem(
                422,
                "Unprocessable Content",
                "This Idempotency-Key was used with a different request.",
            )
        if claim.response is None:
            return problem(409, "Conflict", "A request with this Idempotency-Key is in progress.")
        replay = claim.response
        headers = {**replay.headers, "Idempotent-Replayed": "true"}
        return Response(replay.body, status_code=replay.status, headers=headers)
    try:
        response = await run()
    except BaseException:
        await store.release(slot)  # failed before answering: a retry may run again
        raise
    body = bytes(response.body)
    headers = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
    await store.complete(slot, StoredResponse(response.status_code, headers, body), ttl_seconds)
    return response
