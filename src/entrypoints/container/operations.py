"""Jobs and the outbox, audit, Idempotency-Keys: what every area records or retries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from dependency_injector import providers

from adapters.arq.queue import ArqJobQueue, create_arq_redis
from adapters.memory.jobs import InProcessJobQueue, RecordingJobQueue
from application.operations import audit, delivery, idempotency, jobs, retention
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.container.notifications import Notifications
from entrypoints.container.persistence import Persistence, paged
from entrypoints.container.resources import closed_on_shutdown

settings = Infrastructure.settings
clock = Infrastructure.clock
uow = Persistence.uow


def _handler(
    make: Callable[[], jobs.HandleOutboxMessage],
) -> Callable[[UUID], Awaitable[None]]:
    async def handle(message_id: UUID) -> None:
        await make().execute(jobs.MessageCommand(message_id))

    return handle


def _dead_recorder(
    make: Callable[[], delivery.RecordDeadMessage],
) -> Callable[[UUID, str, int], Awaitable[None]]:
    async def record(message_id: UUID, error: str, attempts: int) -> None:
        await make().execute(delivery.DeadMessageCommand(message_id, error, attempts))

    return record


auditor = providers.Singleton(audit.Auditor, clock=clock, ids=Infrastructure.ids)
# What every audited change takes: its unit of work, the time, the audit trail.
audited: dict[str, providers.Provider[Any]] = {"uow": uow, "clock": clock, "auditor": auditor}


class Operations(Notifications):
    auditor = auditor
    list_audit_events = providers.Factory(audit.ListAuditEvents, **paged)
    purge_old_audit_events = providers.Factory(
        retention.PurgeOldAuditEvents,
        uow=uow,
        clock=clock,
        keep=Infrastructure.durations.provided.audit_retention,
    )

    idempotency_keys = providers.Singleton(
        idempotency.IdempotencyKeys,
        clock=clock,
        keep=Infrastructure.durations.provided.idempotency_ttl,
    )
    find_idempotent_reply = providers.Factory(
        idempotency.FindIdempotentReply, uow=Persistence.read_uow, clock=clock
    )
    purge_expired_idempotency_keys = providers.Factory(
        retention.PurgeExpiredIdempotencyKeys, uow=uow, clock=clock
    )

    handle_outbox_message = providers.Factory(
        jobs.HandleOutboxMessage,
        uow=uow,
        sender=Notifications.email_sender,
        tokens=Infrastructure.one_time_tokens,
        clock=clock,
        ids=Infrastructure.ids,
        links=Notifications.link_policy,
        fan_out_batch=settings.provided.fan_out_batch,
    )
    record_dead_message = providers.Factory(delivery.RecordDeadMessage, uow=uow, clock=clock)
    purge_processed_outbox = providers.Factory(
        retention.PurgeProcessedOutbox,
        uow=uow,
        clock=clock,
        keep=Infrastructure.durations.provided.outbox_retention,
    )
    requeue_dead_jobs = providers.Factory(delivery.RequeueDeadJobs, uow=uow, auditor=auditor)
    arq_redis = providers.Singleton(
        create_arq_redis,
        settings.provided.redis_url,
        timeout=settings.provided.redis_timeout_seconds,
        max_connections=settings.provided.redis_max_connections,
    )
    job_queue = providers.Selector(
        settings.provided.job_mode,
        recorded=providers.Singleton(RecordingJobQueue),
        arq=closed_on_shutdown(
            Infrastructure.opened,
            ArqJobQueue.close,
            providers.Factory(
                ArqJobQueue, redis=arq_redis, queue_name=settings.provided.job_queue_name
            ),
        ),
        in_process=closed_on_shutdown(
            Infrastructure.opened,
            InProcessJobQueue.close,
            providers.Factory(
                InProcessJobQueue,
                handle=providers.Callable(_handler, handle_outbox_message.provider),
                record_dead=providers.Callable(_dead_recorder, record_dead_message.provider),
                max_tries=settings.provided.job_max_tries,
                base_delay=settings.provided.job_retry_base_seconds,
                observe=Infrastructure.metrics.provided.job_outcome,
            ),
        ),
    )
    dispatch_outbox = providers.Factory(
        delivery.DispatchOutbox,
        uow=uow,
        queue=job_queue,
        clock=clock,
        lease=Infrastructure.durations.provided.job_lease,
    )
    release_unfinished_outbox = providers.Factory(delivery.ReleaseUnfinishedOutbox, uow=uow)
