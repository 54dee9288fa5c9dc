from __future__ import annotations

from uuid import UUID

from arq.connections import ArqRedis

from adapters.redis.circuit import short_wait_pool
from application.ports.jobs import JobQueue

PROCESS_EVENT = "process_event"


def create_arq_redis(url: str, *, timeout: float, max_connections: int) -> ArqRedis:
    return ArqRedis(
        connection_pool=short_wait_pool(url, timeout=timeout, max_connections=max_connections)
    )


class ArqJobQueue(JobQueue):
    """`process_event(message_id)` with job id = message id: arq refuses a second job with
    an id it still knows, so relaying a message twice runs it once."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self._redis = redis
        self._queue_name = queue_name

    async def enqueue(self, message_id: UUID) -> None:
        await self._redis.enqueue_job(
            PROCESS_EVENT, str(message_id), _job_id=str(message_id), _queue_name=self._queue_name
        )

    async def close(self) -> None:
        await self._redis.aclose()
