"""The arq worker: `arq entrypoints.worker.WorkerSettings` (or `make worker`).

Jobs take ids as JSON primitives, resolve their use case from ctx["container"], and are
idempotent, because arq delivers at least once (a worker killed mid-job runs it again).
On SIGTERM the worker finishes its running jobs within INKWELL_JOB_SHUTDOWN_WAIT_SECONDS, or
hands them back to the queue.
A job that keeps failing is retried with exponential backoff, then recorded dead in the
outbox (`python -m entrypoints.cli dead-jobs` lists them) and logged as an error; a mail that
no retry can deliver (UndeliverableEmail) is recorded dead at its first failure.

Logs are structured like the API's (INKWELL_LOG_FORMAT); run with
`--custom-log-dict entrypoints.worker.LOG_CONFIG` so arq's CLI leaves logging to us from the
first line. Job outcomes are counted (`inkwell_jobs_total`) and served on
INKWELL_WORKER_METRICS_PORT when it is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from arq import Retry, cron, func
from arq.connections import RedisSettings
from prometheus_client import start_http_server

from adapters.arq.queue import PROCESS_EVENT
from application.operations.delivery import DeadMessageCommand
from application.operations.jobs import MessageCommand
from application.ports.jobs import UndeliverableEmail
from entrypoints.container import Container, build_container, shutdown
from entrypoints.errors_text import describe_error
from entrypoints.observability.logs import configure_logging
from entrypoints.settings import Settings

log = logging.getLogger("inkwell.worker")


async def _dead(container: Container, message_id: str, error: str, attempts: int) -> None:
    await container.record_dead_message().execute(
        DeadMessageCommand(UUID(message_id), error, attempts)
    )
    container.metrics().job_outcome("dead")


async def process_event(ctx: dict[str, Any], message_id: str) -> None:
    container: Container = ctx["container"]
    settings = container.settings()
    metrics = container.metrics()
    tries: int = ctx.get("job_try", 1)
    if tries > settings.job_max_tries:  # the last try never finished: killed or timed out
        error = f"the last of {settings.job_max_tries} tries did not finish"
        log.error("job %s is dead: %s", message_id, error)
        await _dead(container, message_id, error, tries - 1)
        return
    try:
        await container.handle_outbox_message().execute(MessageCommand(UUID(message_id)))
    except UndeliverableEmail as exc:  # no retry can deliver it: dead now, not after 8 tries
        error = describe_error(exc)
        log.error("job %s is dead after %d tries, undeliverable: %s", message_id, tries, error)
        await _dead(container, message_id, error, tries)
        return
    except Exception as exc:
        error = describe_error(exc)
        if tries >= settings.job_max_tries:
            log.error("job %s is dead after %d tries: %s", message_id, tries, error)
            await _dead(container, message_id, error, tries)
            return
        delay = settings.retry_delay(tries)
        log.warning(
            "job %s failed (try %d), retrying in %.1fs: %s", message_id, tries, delay, error
        )
        metrics.job_outcome("retried")
        raise Retry(defer=delay) from exc
    metrics.job_outcome("processed")


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-relay what was committed but not handed to the queue (Redis was down, or the API
    process died between commit and enqueue)."""
    container: Container = ctx["container"]
    total = 0
    while (dispatched := await container.dispatch_outbox().execute()) > 0:
        total += dispatched
    return total


class _Purge(Protocol):
    async def execute(self) -> int: ...


# What each retention cron deletes, by the words its log line uses.
_HOURLY: dict[str, Callable[[Container], _Purge]] = {
    "expired refresh tokens": lambda c: c.purge_expired_sessions(),
    "expired idempotency keys": lambda c: c.purge_expired_idempotency_keys(),
}
_DAILY: dict[str, Callable[[Container], _Purge]] = {
    "processed outbox rows": lambda c: c.purge_processed_outbox(),
    "old audit events": lambda c: c.purge_old_audit_events(),
}


async def _purge(ctx: dict[str, Any], purges: dict[str, Callable[[Container], _Purge]]) -> int:
    container: Container = ctx["container"]
    counts = {what: await make(container).execute() for what, make in purges.items()}
    log.info("purged %s", " and ".join(f"{n} {what}" for what, n in counts.items()))
    return sum(counts.values())


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    """Hourly: expired refresh tokens and Idempotency-Keys past INKWELL_IDEMPOTENCY_TTL_SECONDS."""
    return await _purge(ctx, _HOURLY)


async def purge_old_rows(ctx: dict[str, Any]) -> int:
    """Daily: processed outbox rows and audit events past their retention settings."""
    return await _purge(ctx, _DAILY)


async def startup(ctx: dict[str, Any]) -> None:
    container: Container = ctx.setdefault("container", build_container())
    settings = container.settings()
    configure_logging(settings.effective_log_format, settings.log_level)
    if settings.worker_metrics_port is not None:
        server, _thread = start_http_server(
            settings.worker_metrics_port, registry=container.metrics().registry
        )
        ctx["metrics_server"] = server


async def stop(ctx: dict[str, Any]) -> None:
    server = ctx.pop("metrics_server", None)
    if server is not None:
        server.shutdown()
    await shutdown(ctx["container"])


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")


_settings = Settings()
configure_logging(_settings.effective_log_format, _settings.log_level)

# For `arq --custom-log-dict entrypoints.worker.LOG_CONFIG`: an incremental (empty) config,
# so arq's CLI adds no handler of its own and every line is formatted as configured above.
LOG_CONFIG: dict[str, Any] = {"version": 1, "incremental": True}


class WorkerSettings:
    # One try more than the limit, so a last try that was killed is still recorded dead; no
    # result is kept, so the relay may re-send a job that was lost (same id, same handler).
    functions = [
        func(
            process_event,
            name=PROCESS_EVENT,
            max_tries=_settings.job_max_tries + 1,
            keep_result=0,
        )
    ]
    # A unique cron job's id is `<name>:<run time>`, in arq's global `arq:job:` key space:
    # named under this deployment's queue, two deployments sharing a Redis database do not
    # take each other's runs for duplicates (and skip their own).
    cron_jobs = [
        cron(
            sweep_outbox,
            name=f"{_settings.job_queue_name}:cron:sweep_outbox",
            second=set(range(0, 60, 5)),
            run_at_startup=True,
            unique=True,
        ),
        cron(
            purge_expired_tokens,
            name=f"{_settings.job_queue_name}:cron:purge_expired_tokens",
            minute=17,
            second=0,
            unique=True,
        ),
        cron(
            purge_old_rows,
            name=f"{_settings.job_queue_name}:cron:purge_old_rows",
            hour=3,
            minute=31,
            second=0,
            unique=True,
        ),
    ]
    on_startup = startup
    on_shutdown = stop
    # SIGTERM: take no new job, give the running ones this long to finish, then cancel them;
    # arq puts a cancelled job back on the queue (retry_jobs), so another worker runs it again.
    job_completion_wait = _settings.job_shutdown_wait_seconds
    redis_settings = redis_settings(_settings)
    job_timeout = _settings.job_timeout_seconds
    queue_name = _settings.job_queue_name
    keep_result = 3600
