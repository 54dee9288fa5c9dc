"""Units of work (one per use-case call), the database probe and the outbox figures: in
memory in test mode, on the SQLAlchemy engine otherwise."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.outbox_stats import InMemoryOutboxStats
from adapters.memory.store import MemoryDatabase
from adapters.memory.uow import InMemoryUnitOfWork
from adapters.sqlalchemy.engine import SqlAlchemyProbe, autocommit, single_statement
from adapters.sqlalchemy.outbox_stats import SqlAlchemyOutboxStats
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from entrypoints.container.infrastructure import Infrastructure


class MemoryProbe:
    async def ping(self) -> None:
        return None


def by_persistence(
    *, memory: providers.Provider[Any], sqlalchemy: providers.Provider[Any]
) -> providers.Selector[Any]:
    """The adapter of the configured persistence (`Settings.persistence`)."""
    return providers.Selector(
        Infrastructure.settings.provided.persistence, memory=memory, sqlalchemy=sqlalchemy
    )


# What a unit of work takes whatever it stores in.
every_uow: dict[str, providers.Provider[Any]] = {
    "ids": Infrastructure.ids,
    "cache": Infrastructure.cache,
    "signal": Infrastructure.outbox_signal,
    "skeletons": Infrastructure.skeletons,
}


class Persistence(Infrastructure):
    memory_db = providers.Singleton(MemoryDatabase)
    memory_uow = providers.Factory(InMemoryUnitOfWork, db=memory_db, **every_uow)
    sql_uow = providers.Factory(
        SqlAlchemyUnitOfWork, engine=Infrastructure.engine, gate=Infrastructure.db_gate, **every_uow
    )
    autocommit_engine = providers.Singleton(autocommit, Infrastructure.engine)
    uow = by_persistence(memory=memory_uow, sqlalchemy=sql_uow)
    # Read-only use cases get a unit of work on autocommit connections (SQL); in memory the
    # same adapter serves all three kinds. (A provider called with keywords overrides those.)
    read_uow = by_persistence(
        memory=memory_uow,
        sqlalchemy=providers.Factory(sql_uow, engine=autocommit_engine, read_only=True),
    )
    # Use cases whose whole change is one statement and no events (create a draft) run it as a
    # transaction of its own: no BEGIN and COMMIT round trips (see engine.single_statement).
    single_statement_uow = by_persistence(
        memory=memory_uow,
        sqlalchemy=providers.Factory(
            sql_uow,
            engine=providers.Singleton(single_statement, Infrastructure.engine),
            single_statement=True,
        ),
    )
    database_probe = by_persistence(
        memory=providers.Singleton(MemoryProbe),
        sqlalchemy=providers.Singleton(SqlAlchemyProbe, engine=Infrastructure.engine),
    )
    outbox_stats = by_persistence(
        memory=providers.Singleton(InMemoryOutboxStats, db=memory_db),
        sqlalchemy=providers.Singleton(SqlAlchemyOutboxStats, engine=autocommit_engine),
    )
