"""What only the SQL adapters must prove: the outbox transaction, migrations, concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy import migrate
from adapters.sqlalchemy.drafts import SqlAlchemyDraftInserts
from adapters.sqlalchemy.tables import metadata, outbox
from application.accounts.profiles import GetUserQuery
from application.accounts.registration import RegisterUserCommand
from application.errors import StoreUnavailable
from application.publishing.posts import CreatePostCommand, PostCommand
from application.views import Actor, UserView
from domain.post import Post
from domain.values import Body, Title
from entrypoints.container import shutdown
from entrypoints.http.app import create_app
from tests.integration.conftest import ProxiedPostgres, sql_container, throwaway_database

pytestmark = pytest.mark.integration


async def test_events_reach_the_outbox_with_the_state_change_or_not_at_all(
    migrated_postgres: str,
) -> None:
    container = sql_container(migrated_postgres)
    try:
        view = await container.register_user().execute(RegisterUserCommand("a@x.io", "p" * 10, "A"))
        actor = Actor(view.id, is_admin=False)
        post = await container.create_post().execute(CreatePostCommand(actor, "T", "B"))
        await container.publish_post().execute(PostCommand(actor, post.id))
        with pytest.raises(Exception, match="already published"):
            await container.publish_post().execute(PostCommand(actor, post.id))
        async with container.engine().connect() as conn:
            rows = (await conn.execute(select(outbox.c.topic, outbox.c.payload))).all()
        assert sorted(r.topic for r in rows) == ["PostPublished", "UserRegistered"]
        published = next(r.payload for r in rows if r.topic == "PostPublished")
        assert published == {"post_id": str(post.id), "author_id": str(view.id)}
    finally:
        await shutdown(container)


async def test_fifty_concurrent_registrations_of_one_email_give_one_201(
    migrated_postgres: str,
) -> None:
    await _race_registrations(migrated_postgres)


async def test_concurrent_registrations_on_the_embedded_sqlite_give_one_201(
    migrated_sqlite: str,
) -> None:
    await _race_registrations(migrated_sqlite)


async def _race_registrations(url: str) -> None:
    container = sql_container(url, registrations_per_client=100)  # the race, not the limit
    app = create_app(container)
    body = {"email": "race@example.com", "password": "p" * 12, "name": "Racer"}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
            responses = await asyncio.gather(*(client.post("/users", json=body) for _ in range(50)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 49, statuses
    finally:
        await shutdown(container)


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_there_is_one_linear_migration_history() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert _revisions()


async def test_migration_stairway_up_down_up_on_postgres(empty_postgres: str) -> None:
    """Each revision upgrades, downgrades and upgrades again: no migration leaves debris."""
    previous = "base"
    for revision in _revisions():
        await asyncio.to_thread(migrate.upgrade, empty_postgres, revision)
        await asyncio.to_thread(migrate.downgrade, empty_postgres, previous)
        await asyncio.to_thread(migrate.upgrade, empty_postgres, revision)
        previous = revision


async def _schema_diff(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    container = sql_container(url)
    try:
        async with container.engine().connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await shutdown(container)


async def test_migrations_build_exactly_the_declared_schema(
    migrated_postgres: str, tmp_path: Path
) -> None:
    assert await _schema_diff(migrated_postgres) == []
    sqlite = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    await asyncio.to_thread(migrate.upgrade, sqlite)
    assert await _schema_diff(sqlite) == []


async def test_the_embedded_database_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'inkwell.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    first = sql_container(url)
    view = await first.register_user().execute(RegisterUserCommand("a@x.io", "p" * 10, "A"))
    await shutdown(first)
    second = sql_container(url)
    try:
        owner = Actor(user_id=view.id, is_admin=False)
        seen = await second.get_user().execute(GetUserQuery(owner, view.id))
        assert isinstance(seen, UserView)
        assert seen.email == "a@x.io"
        async with second.engine().connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert {"users", "posts", "follows", "refresh_tokens", "outbox"} <= set(tables)
    finally:
        await shutdown(second)


async def test_text_postgres_cannot_store_is_a_422_not_a_500(migrated_postgres: str) -> None:
    container = sql_container(migrated_postgres)
    app = create_app(container)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
            for raw in (
                rb'{"email": "nul\u0000@x.io", "password": "pppppppppp", "name": "N"}',
                rb'{"email": "a@x.io", "password": "pppppppppp", "name": "nul\u0000"}',
                rb'{"email": "a@x.io", "password": "pppppppppp\ud800", "name": "N"}',
                rb'{"email": "a@x.io\udfff", "password": "pppppppppp", "name": "N"}',
            ):
                response = await client.post(
                    "/users", content=raw, headers={"Content-Type": "application/json"}
                )
                assert response.status_code == 422, response.text
            login = await client.post(
                "/auth/token",
                content=b"username=a%00@x.io&password=%00%ED%A0%80",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert login.status_code == 401, login.text
    finally:
        await shutdown(container)


async def test_migration_0002_treats_older_events_as_history_not_work(tmp_path: Path) -> None:
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import insert

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(migrate.upgrade, url, "0001")
    container = sql_container(url)
    try:
        async with container.engine().begin() as conn:
            await conn.execute(
                insert(outbox).values(
                    id=uuid.uuid4(),
                    topic="UserRegistered",
                    payload={},
                    attempts=0,
                    occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    finally:
        await shutdown(container)
    await asyncio.to_thread(migrate.upgrade, url)
    container = sql_container(url)
    try:
        async with container.uow() as uow:
            assert await uow.outbox.claim_due(10) == []
    finally:
        await shutdown(container)


async def test_a_database_that_refuses_connections_is_named_unavailable() -> None:
    """The driver lets a refused connection through as a bare OSError; the unit of work names
    it, so the HTTP layer answers 503 for it and 500 for any other OSError (a bug)."""
    container = sql_container("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        with pytest.raises(StoreUnavailable) as raised:
            async with container.uow():
                pass
        assert isinstance(raised.value.__cause__, OSError)
    finally:
        await shutdown(container)


@pytest.fixture(params=["postgres", "sqlite"])
async def migrated_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        yield url
        return
    async with throwaway_database(request.getfixturevalue("postgres_server")) as url:
        await asyncio.to_thread(migrate.upgrade, url)
        yield url


async def test_a_draft_is_inserted_as_a_statement_of_its_own(migrated_database: str) -> None:
    """Creating a draft runs without BEGIN/COMMIT (its own port, on an autocommit engine),
    and the row is there for every later reader."""
    container = sql_container(migrated_database, db_pool_size=1, db_max_overflow=0)
    drafts = container.create_post().drafts
    assert isinstance(drafts, SqlAlchemyDraftInserts)
    try:
        view = await container.register_user().execute(RegisterUserCommand("a@x.io", "p" * 10, "A"))
        actor = Actor(view.id, is_admin=False)
        post = await container.create_post().execute(CreatePostCommand(actor, "T", "B"))
        async with container.read_uow() as uow:
            stored = await uow.posts.get(post.id)
        assert stored is not None
        assert stored.title.value == "T"
    finally:
        await shutdown(container)


async def test_a_draft_written_by_the_driver_on_a_lost_connection_is_a_503_then_recovers(
    proxied_postgres: ProxiedPostgres,
) -> None:
    """The draft insert runs on asyncpg itself (adapters/sqlalchemy/driver.py). A connection
    cut under it, one that hangs, or a caller that goes away must not leave a broken
    connection in the pool (of one connection here): each is StoreUnavailable or a
    cancellation, and the next create succeeds."""
    proxy = proxied_postgres.proxy
    container = sql_container(
        proxied_postgres.url,
        db_pool_size=1,
        db_max_overflow=0,
        db_command_timeout_seconds=1.0,
        db_statement_timeout_ms=500,
    )
    try:
        view = await container.register_user().execute(RegisterUserCommand("a@x.io", "p" * 10, "A"))
        actor = Actor(view.id, is_admin=False)

        async def create(title: str) -> None:
            await container.create_post().execute(CreatePostCommand(actor, title, "B"))

        await create("before")
        proxy.refuse()  # the pooled connection is cut; the pool does not know yet
        proxy.forward()
        with pytest.raises(StoreUnavailable):
            await create("cut")
        await create("after the cut")

        proxy.black_hole()
        started = asyncio.get_running_loop().time()
        with pytest.raises(StoreUnavailable):
            await create("hung")
        assert asyncio.get_running_loop().time() - started < 3
        proxy.forward()
        await create("after the hang")

        # The server ends the session (57P01, as on a shutdown or pg_terminate_backend).
        await _terminate_sessions(proxied_postgres.direct_url)
        with pytest.raises(StoreUnavailable):
            await create("terminated")
        await create("after the termination")

        # A statement the database refuses is SQLAlchemy's kind of error, and no reason to
        # retire the connection.
        ghost = Post.draft(uuid4(), uuid4(), Title("x"), Body("y"), now=container.clock().now())
        with pytest.raises(IntegrityError):
            await container.draft_inserts().insert(ghost)
        await create("after the refusal")

        proxy.black_hole()
        task = asyncio.create_task(create("abandoned"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        proxy.forward()
        await create("after the cancel")

    finally:
        await shutdown(container)
    # What landed: every create that answered; the one on the cut connection never ran.
    conn = await asyncpg.connect(proxied_postgres.direct_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch("SELECT title FROM posts")
    finally:
        await conn.close()
    landed = {r["title"] for r in rows}
    answered = {"before", "after the cut", "after the hang", "after the termination"}
    assert answered | {"after the refusal", "after the cancel"} <= landed
    assert not {"cut", "terminated"} & landed  # lost before the insert went out
    # "hung" and "abandoned" were sent and then held by the proxy, which delivered them when it
    # flowed again: without BEGIN, as for a COMMIT whose answer is lost, such a row may exist
    # although its caller saw a 503. The window is one round trip, as it was for the COMMIT.


async def _terminate_sessions(direct_url: str) -> None:
    admin = await asyncpg.connect(direct_url.replace("+asyncpg", ""))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
