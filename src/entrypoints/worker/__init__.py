"""The arq worker: `arq entrypoints.worker.WorkerSettings` (or `make worker`).

Jobs take JSON primitives, resolve their use case from ctx["container"], and are idempotent
because arq delivers at least once.
"""

from __future__ import annotations

import logging
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from entrypoints.container import Container, build_container, shutdown
from entrypoints.settings import Settings

log = logging.getLogger("inkwell.worker")


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    container: Container = ctx["container"]
    purged = await container.purge_expired_sessions().execute()
    log.info("purged %d expired refresh tokens", purged)
    return purged


async def startup(ctx: dict[str, Any]) -> None:
    ctx["container"] = build_container()


async def stop(ctx: dict[str, Any]) -> None:
    await shutdown(ctx["container"])


def redis_settings(settings: Settings | None = None) -> RedisSettings:
    url = (settings or Settings()).redis_url or "redis://127.0.0.1:6379/0"
    return RedisSettings.from_dsn(url)


class WorkerSettings:
    functions = [purge_expired_tokens]
    cron_jobs = [cron(purge_expired_tokens, minute=17, run_at_startup=False, unique=True)]
    on_startup = startup
    on_shutdown = stop
    redis_settings = redis_settings()
    max_tries = 5
    job_timeout = 300
