from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from application.ports.system import ReadinessProbe


@dataclass(frozen=True, slots=True)
class EngineOptions:
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 5.0
    connect_timeout: float = 5.0
    statement_timeout_ms: int = 10_000


def create_engine(url: str, options: EngineOptions | None = None) -> AsyncEngine:
    """Build the engine (a sync call: no I/O happens until first use). SQLite gets WAL,
    a busy timeout and enforced foreign keys; Postgres gets pool and statement timeouts."""
    options = options or EngineOptions()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": options.connect_timeout})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {
        "timeout": options.connect_timeout,
        "command_timeout": options.statement_timeout_ms / 1000 + 1,
        "server_settings": {"statement_timeout": str(options.statement_timeout_ms)},
    }
    return create_async_engine(
        url,
        hide_parameters=True,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout,
        pool_pre_ping=False,
        connect_args=connect_args,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling starts a transaction only before the first write,
    # so reads and savepoints escape it; turn it off and emit BEGIN ourselves (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front: a transaction that reads and then writes cannot
    # fail half-way with SQLITE_BUSY; others wait up to busy_timeout instead.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, without transactions: for units of work that only read."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class SqlAlchemyProbe(ReadinessProbe):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
