"""Alembic environment: async engine, batch mode so every migration also runs on SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.tables import metadata

config = context.config
DEFAULT_URL = "sqlite+aiosqlite:///./var/inkwell.db"


def _url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("INKWELL_DATABASE_URL")
        or DEFAULT_URL
    )


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
