"""The composition root resolves in every mode that needs no server, and shutdown closes
what it opened (newest first) and nothing it did not open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.arq.queue import ArqJobQueue
from adapters.memory.jobs import InProcessJobQueue, RecordingJobQueue
from adapters.memory.uow import InMemoryDraftInserts, InMemoryReadUnitOfWork, InMemoryUnitOfWork
from adapters.redis.cache import RedisCache
from adapters.sqlalchemy.drafts import SqlAlchemyDraftInserts
from adapters.sqlalchemy.uow import SqlAlchemyReadUnitOfWork, SqlAlchemyUnitOfWork
from application.ports.limits import Rate
from entrypoints import policies
from entrypoints.container import build_container, shutdown
from entrypoints.container.resources import OpenedResources
from entrypoints.settings import Settings

# Constructing a Redis or arq client does no I/O, so the Redis modes resolve without a server
# (nothing listens on port 1).
NO_SERVER = "redis://127.0.0.1:1/0"

# Without INKWELL_REDIS_URL no selector reaches these (they need a URL to be made).
REDIS_CLIENTS = {"redis_circuit", "arq_redis"}

MEMORY = (InMemoryUnitOfWork, InMemoryReadUnitOfWork, InMemoryDraftInserts)
SQL = (SqlAlchemyUnitOfWork, SqlAlchemyReadUnitOfWork, SqlAlchemyDraftInserts)
MODES = [
    ("test", None, "memory", MEMORY, RecordingJobQueue),
    ("test", NO_SERVER, "console", MEMORY, RecordingJobQueue),
    ("development", None, "smtp", SQL, InProcessJobQueue),
    ("development", NO_SERVER, "console", SQL, ArqJobQueue),
]


def _settings(tmp_path: Path, env: str, redis_url: str | None, email: str) -> Settings:
    return Settings(
        env=env,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'wiring.db'}",
        redis_url=redis_url,
        email_backend=email,  # type: ignore[arg-type]
        jwt_secret="wiring-" * 8,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("env", "redis_url", "email", "uow_types", "queue_type"), MODES)
async def test_every_provider_resolves_in_each_mode_without_a_server(
    tmp_path: Path,
    env: str,
    redis_url: str | None,
    email: str,
    uow_types: tuple[type, type, type],
    queue_type: type,
) -> None:
    container = build_container(_settings(tmp_path, env, redis_url, email))
    try:
        resolved = {
            name: provider()
            for name, provider in container.providers.items()
            if redis_url is not None or name not in REDIS_CLIENTS
        }
        write, read, drafts = uow_types
        assert isinstance(resolved["uow"], write)
        assert isinstance(resolved["read_uow"], read)
        assert isinstance(resolved["draft_inserts"], drafts)
        assert isinstance(resolved["job_queue"], queue_type)
        assert isinstance(resolved["raw_cache"], RedisCache) == (redis_url is not None)
    finally:
        await shutdown(container)


async def test_shutdown_closes_what_the_container_made(tmp_path: Path) -> None:
    container = build_container(_settings(tmp_path, "development", None, "console"))
    hasher = container.hasher()
    queue = container.job_queue()
    assert isinstance(queue, InProcessJobQueue)
    await shutdown(container)
    with pytest.raises(RuntimeError, match="shutdown"):
        await hasher.hash("a password")
    await shutdown(container)  # twice is harmless: nothing is closed again


async def test_shutdown_opens_nothing_only_to_close_it(tmp_path: Path) -> None:
    container = build_container(_settings(tmp_path, "development", NO_SERVER, "console"))
    opened = container.opened()
    made: list[object] = []
    add = opened.add

    def recording_add(resource: Any, close: Any) -> Any:
        made.append(resource)
        return add(resource, close)

    opened.add = recording_add  # type: ignore[method-assign]
    await shutdown(container)
    assert made == []  # no engine, no Redis client was made only to be closed


async def test_resources_close_newest_first_sync_or_async() -> None:
    closed: list[str] = []
    resources = OpenedResources()

    async def close_async(name: str) -> None:
        closed.append(name)

    resources.add("redis client", close_async)
    resources.add("cache using the client", lambda name: closed.append(name))
    await resources.close_all()
    assert closed == ["cache using the client", "redis client"]


def test_settings_hand_out_limits_in_their_windows() -> None:
    settings = Settings(
        env="test",
        login_window_seconds=60,
        login_failures_per_client=5,
        password_resets_per_account=2,
        email_limit_window_seconds=600,
        registrations_per_client=7,
        registration_window_seconds=30,
    )
    assert policies.login_limits(settings).failures_per_client == Rate(5, 60)
    # A reset confirmation is a guess at a token: it counts like a failed login.
    assert policies.password_reset_limits(settings).confirms_per_client == Rate(5, 60)
    assert policies.password_reset_limits(settings).per_account == Rate(2, 600)
    assert policies.registration_rate(settings) == Rate(7, 30)
