from __future__ import annotations

import base64
import json
from typing import Any

from redis.asyncio import Redis

from adapters.memory.idempotency import InProcessIdempotencyStore
from adapters.redis.circuit import RedisCircuit
from application.ports.idempotency import IdempotencyClaim, IdempotencyStore, StoredResponse

_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""


def _encode(fingerprint: str, response: StoredResponse | None) -> str:
    stored: dict[str, Any] = {"fingerprint": fingerprint, "response": None}
    if response is not None:
        stored["response"] = {
            "status": response.status,
            "headers": response.headers,
            "body": base64.b64encode(response.body).decode(),
        }
    return json.dumps(stored)


def _decode(raw: bytes) -> tuple[str, StoredResponse | None]:
    stored = json.loads(raw)
    r = stored["response"]
    response = None
    if r is not None:
        response = StoredResponse(r["status"], r["headers"], base64.b64decode(r["body"]))
    return stored["fingerprint"], response


class RedisIdempotencyStore(IdempotencyStore):
    """Keys shared by every replica (SET NX decides the owner atomically), with a TTL.
    While Redis is unreachable this replica keeps keys in process; an answer it could only
    record in process is replayed from there (by this replica) before Redis is asked."""

    def __init__(
        self, circuit: RedisCircuit, prefix: str, fallback: InProcessIdempotencyStore
    ) -> None:
        self._circuit = circuit
        self._prefix = f"{prefix}idem:"
        self._fallback = fallback
        self._claim = circuit.client.register_script(_CLAIM)
        self._fingerprints: dict[str, str] = {}

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> IdempotencyClaim:
        local = self._fallback.completed(key)
        if local is not None:
            return local

        async def op(_client: Redis) -> IdempotencyClaim:
            raw = await self._claim(
                keys=[self._prefix + key], args=[_encode(fingerprint, None), ttl_seconds]
            )
            if raw is None:
                return IdempotencyClaim(True, fingerprint, None)
            first, response = _decode(raw)
            return IdempotencyClaim(False, first, response)

        async def fallback() -> IdempotencyClaim:
            return await self._fallback.claim(key, fingerprint, ttl_seconds)

        claim = await self._circuit.run(op, fallback)
        if claim.owner:
            self._fingerprints[key] = fingerprint
        return claim

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None:
        fingerprint = self._fingerprints.pop(key, "")

        async def op(client: Redis) -> None:
            await client.set(self._prefix + key, _encode(fingerprint, response), ex=ttl_seconds)

        async def fallback() -> None:
            await self._fallback.complete(key, response, ttl_seconds, fingerprint)

        await self._circuit.run(op, fallback)

    async def release(self, key: str) -> None:
        self._fingerprints.pop(key, None)

        async def op(client: Redis) -> None:
            await client.delete(self._prefix + key)

        async def fallback() -> None:
            await self._fallback.release(key)

        await self._circuit.run(op, fallback)
