"""Creating a draft is one INSERT and no event: it runs as a statement of its own."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.driver import DriverInsert
from adapters.sqlalchemy.engine import ConnectionGate, as_store_error
from adapters.sqlalchemy.publishing import INSERT_POST, post_row
from adapters.sqlalchemy.tables import posts
from application.ports.uow import DraftInserts
from domain.post import Post

_DRIVER_INSERT_POST = DriverInsert(posts)


class SqlAlchemyDraftInserts(DraftInserts):
    """On an engine from `engine.autocommit`: Postgres and SQLite run a lone statement as a
    transaction of its own, so BEGIN and COMMIT would be two round trips that buy nothing.
    On Postgres the row goes through asyncpg itself (adapters/sqlalchemy/driver.py): with
    no transaction of SQLAlchemy's to join, the insert may skip its execution path."""

    def __init__(self, engine: AsyncEngine, gate: ConnectionGate | None = None) -> None:
        self._engine = engine
        self._gate = gate
        self._driver = engine.dialect.name == "postgresql"

    async def insert(self, post: Post) -> None:
        if self._gate is not None:
            await self._gate.acquire()
        try:
            async with self._engine.connect() as conn:
                if self._driver:
                    await _DRIVER_INSERT_POST.run(conn, post_row(post))
                else:
                    await conn.execute(INSERT_POST, post_row(post))
        except BaseException as exc:
            if (error := as_store_error(exc)) is not None:
                raise error from exc
            raise
        finally:
            if self._gate is not None:
                self._gate.release()
