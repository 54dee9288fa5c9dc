from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from application.errors import StoreUnavailable
from application.ports.system import ReadinessProbe
from application.ports.uow import WriteInReadUnitOfWork

log = logging.getLogger("inkwell.db")

# SQLSTATEs that say "the server cannot serve now", not "this statement is wrong": 08 connection
# exceptions, 53 insufficient resources (too many connections, ...), 57P01-57P03 shutting down
# or starting up, 57014 a statement cancelled by statement_timeout.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014")
# Closing the pool politely waits on every connection's goodbye, each up to the command timeout.
DISPOSE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class EngineOptions:
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 2.0
    connect_timeout: float = 2.0
    statement_timeout_ms: int = 10_000
    command_timeout: float = 11.0


def create_engine(url: str, options: EngineOptions | None = None) -> AsyncEngine:
    """Build the engine (a sync call: no I/O happens until first use). SQLite gets WAL,
    a busy timeout and enforced foreign keys; Postgres gets a bounded wait for everything:
    a pooled connection, a new connection, a statement (server and client side)."""
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
        "command_timeout": options.command_timeout,
        "server_settings": {"statement_timeout": str(options.statement_timeout_ms)},
    }
    engine = create_async_engine(
        url,
        hide_parameters=True,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout,
        # No ping per checkout (a round trip per request): a connection that died is found by
        # its first statement, and that disconnect retires every connection pooled before it.
        pool_pre_ping=False,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "invalidate", _abort_at_once)
    return engine


async def dispose(engine: AsyncEngine) -> None:
    """Close the pooled connections, giving up after DISPOSE_TIMEOUT_SECONDS: a hung server
    would otherwise hold a process that is shutting down for a command timeout per
    connection. What is left open is dropped when the process ends."""
    try:
        await asyncio.wait_for(engine.dispose(), DISPOSE_TIMEOUT_SECONDS)
    except TimeoutError:
        log.warning("database pool not closed within %.1fs; dropped", DISPOSE_TIMEOUT_SECONDS)


def _abort_at_once(dbapi_connection: Any, _record: Any, _exc: BaseException | None) -> None:
    # An invalidated connection (it timed out, broke, or its task was cancelled) would otherwise
    # be closed politely, which waits up to 2 s more on a peer that may never answer. Drop it.
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None:
        driver.terminate()


def as_store_error(exc: BaseException) -> StoreUnavailable | None:
    """The application's error for a database that could not serve, else None."""
    if isinstance(exc, OSError) or (
        isinstance(exc, sa_exc.SQLAlchemyError) and database_unavailable(exc)
    ):
        return StoreUnavailable("The database did not answer.")
    return None


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or did not answer in time (no pooled connection
    within the pool timeout, refused or dropped connection, connect or statement timeout,
    server shutting down or out of connections): the same request may succeed later."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool's: no connection came free in time
        return True
    cause: BaseException | None = exc
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        cause = exc.orig
    if isinstance(cause, OSError):  # refused, reset, unreachable; TimeoutError is one too
        return True
    sqlstate = getattr(cause, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


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
    # fail half-way with SQLITE_BUSY; others wait up to busy_timeout instead. An autocommit
    # connection (read units of work, draft inserts) gets no BEGIN: SQLAlchemy
    # still signals one, and an explicit BEGIN would hold the lock, then roll back the write.
    if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class ConnectionGate:
    """Bounds the units of work that hold a pooled connection with a plain semaphore of the
    pool's size, so requests queue here and the pool itself never makes anyone wait: a wait
    in SQLAlchemy's async pool costs a task and a queue per waiter (its share of a
    create-post's CPU: bench/README.md). A wait past `timeout`
    is the pool timeout's answer: the database is unavailable for now (503)."""

    def __init__(self, size: int, timeout: float) -> None:
        self._free = asyncio.Semaphore(size)
        self._timeout = timeout

    async def acquire(self) -> None:
        if not self._free.locked():  # a permit is free: no timer needed
            await self._free.acquire()
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._free.acquire()
        except TimeoutError:
            raise StoreUnavailable("No database connection came free in time.") from None

    def release(self) -> None:
        self._free.release()


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, without BEGIN and COMMIT: each statement is a transaction of its own."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same pool without transactions, for read units of work: a statement that would
    write raises WriteInReadUnitOfWork before it runs (as the in-memory adapter refuses)."""
    reads = autocommit(engine)
    event.listen(reads.sync_engine, "before_execute", _refuse_writes)
    return reads


def _refuse_writes(_conn: Any, clauseelement: Any, *_args: Any) -> None:
    if getattr(clauseelement, "is_dml", False):
        raise WriteInReadUnitOfWork(
            "A read unit of work cannot write; give the use case a UnitOfWork."
        )


class SqlAlchemyProbe(ReadinessProbe):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
