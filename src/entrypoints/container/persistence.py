"""Units of work (one per use-case call), the database probe and the outbox figures: in
memory in test mode, on the SQLAlchemy engine otherwise."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.auth_state_cache import CachedAuthStates
from adapters.memory.outbox_stats import InMemoryOutboxStats
from adapters.memory.store import MemoryDatabase
from adapters.memory.uow import InMemoryDraftInserts, InMemoryReadUnitOfWork, InMemoryUnitOfWork
from adapters.sqlalchemy.drafts import SqlAlchemyDraftInserts
from adapters.sqlalchemy.engine import SqlAlchemyProbe, autocommit, read_only
from adapters.sqlalchemy.outbox_stats import SqlAlchemyOutboxStats
from adapters.sqlalchemy.uow import SqlAlchemyReadUnitOfWork, SqlAlchemyUnitOfWork
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
    # Read use cases get a read unit of work (autocommit connections refusing writes on SQL; a
    # snapshot that refuses writes in memory).
    read_uow = by_persistence(
        memory=providers.Factory(
            InMemoryReadUnitOfWork, db=memory_db, skeletons=Infrastructure.skeletons
        ),
        sqlalchemy=providers.Factory(
            SqlAlchemyReadUnitOfWork,
            engine=providers.Singleton(read_only, Infrastructure.engine),
            skeletons=Infrastructure.skeletons,
            gate=Infrastructure.db_gate,
        ),
    )
    # Creating a draft is one statement and no events (see adapters/sqlalchemy/drafts.py).
    draft_inserts = by_persistence(
        memory=providers.Singleton(InMemoryDraftInserts, db=memory_db),
        sqlalchemy=providers.Singleton(
            SqlAlchemyDraftInserts, engine=autocommit_engine, gate=Infrastructure.db_gate
        ),
    )
    auth_states = providers.Singleton(
        CachedAuthStates,
        cache=Infrastructure.cache,
        ttl_seconds=Infrastructure.settings.provided.cache_ttl_seconds,
    )
    database_probe = by_persistence(
        memory=providers.Singleton(MemoryProbe),
        sqlalchemy=providers.Singleton(SqlAlchemyProbe, engine=Infrastructure.engine),
    )
    outbox_stats = by_persistence(
        memory=providers.Singleton(InMemoryOutboxStats, db=memory_db),
        sqlalchemy=providers.Singleton(SqlAlchemyOutboxStats, engine=autocommit_engine),
    )


# What every paged listing takes: a read unit of work and the codec of its cursors.
paged: dict[str, providers.Provider[Any]] = {
    "uow": Persistence.read_uow,
    "cursors": Infrastructure.cursors,
}
