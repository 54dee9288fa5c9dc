"""Whole-row INSERTs run on asyncpg itself, for the one write on the hot path (create a draft).

SQLAlchemy's execution path (the greenlet hop, the cursor adapter, result set-up) costs more
CPU per statement than the driver's own work (figures in bench/README.md). This
path skips it on a connection SQLAlchemy checked out, and only where SQLAlchemy has no
transaction to join: its asyncpg adapter begins lazily, at its own first statement, so a
driver-level statement in a transactional unit of work would run outside the transaction.
The draft inserts (adapters/sqlalchemy/drafts.py, autocommit) are such a place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy import Table, TypeDecorator, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from application.errors import StoreUnavailable


class DriverInsert:
    def __init__(self, table: Table) -> None:
        # SQLAlchemy's own rendering for asyncpg: quoting, $n placeholders and casts.
        compiled = insert(table).compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        self.sql = str(compiled)
        assert compiled.positiontup is not None
        # The columns' own bind rules still apply (UTCDateTime refuses naive datetimes).
        self._binds: list[tuple[str, Callable[[Any, Dialect], Any] | None]] = []
        for name in compiled.positiontup:
            kind = table.c[name].type
            bind = kind.process_bind_param if isinstance(kind, TypeDecorator) else None
            self._binds.append((name, bind))

    async def run(self, conn: AsyncConnection, row: Mapping[str, Any]) -> None:
        dialect = conn.dialect
        args = [row[key] if bind is None else bind(row[key], dialect) for key, bind in self._binds]
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        try:
            await driver.execute(self.sql, *args)
        except BaseException as exc:
            if _lost(exc, driver):
                # Its state is unknown (closed, broken, timed out or cancelled mid-statement,
                # or the server is going away): it must never be pooled again. Aborted here,
                # synchronously, so a second cancellation cannot interrupt that; then retired.
                driver.terminate()
                await asyncio.shield(conn.invalidate(exc))
                if isinstance(exc, asyncio.CancelledError):
                    raise
                # Without BEGIN, as after a COMMIT whose answer was lost, the row may or may
                # not have been written: one round trip is in doubt either way.
                raise StoreUnavailable("The database did not answer.") from exc
            if isinstance(exc, asyncpg.PostgresError):
                raise _as_sqlalchemy_error(self.sql, exc) from exc
            raise


def _lost(exc: BaseException, driver: Any) -> bool:
    if isinstance(exc, (OSError, asyncio.CancelledError)) or driver.is_closed():
        return True
    sqlstate = getattr(exc, "sqlstate", None)  # 08: connection exception; 57P: shutting down
    return isinstance(sqlstate, str) and sqlstate.startswith(("08", "57P"))


def _as_sqlalchemy_error(sql: str, exc: Exception) -> sa_exc.DBAPIError:
    """The error SQLAlchemy's own path would raise, so callers and the HTTP error mapping see
    one kind of database error (and parameters stay out of its message)."""
    kind: type[sa_exc.DBAPIError] = sa_exc.DBAPIError
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        kind = sa_exc.IntegrityError
    elif isinstance(exc, asyncpg.DataError):
        kind = sa_exc.DataError
    return kind(sql, None, exc, hide_parameters=True)
