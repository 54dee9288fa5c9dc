"""Whole-row INSERTs run on asyncpg itself, for the one write on the hot path (create a draft).

SQLAlchemy's execution path (the greenlet hop, the cursor adapter, result set-up) costs about
70 us of CPU per statement here, more than the driver's own work; see bench/README.md. This
path skips it on a connection SQLAlchemy checked out, and only where SQLAlchemy has no
transaction to join: its asyncpg adapter begins lazily, at its own first statement, so a
driver-level statement in a transactional unit of work would run outside the transaction.
A single-statement unit of work (autocommit) is such a place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Table, TypeDecorator, insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.engine import count_statement, database_unavailable
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
        count_statement(conn.sync_connection)
        dialect = conn.dialect
        args = [row[key] if bind is None else bind(row[key], dialect) for key, bind in self._binds]
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        try:
            await driver.execute(self.sql, *args)
        except BaseException as exc:
            # A connection whose state is unknown (closed, broken, timed out or cancelled
            # mid-statement) must not go back to the pool; invalidating also aborts it at once.
            lost = isinstance(exc, (OSError, asyncio.CancelledError)) or driver.is_closed()
            if lost:
                await asyncio.shield(conn.invalidate(exc))
            if isinstance(exc, asyncio.CancelledError) or not (lost or database_unavailable(exc)):
                raise
            raise StoreUnavailable("The database did not answer.") from exc
