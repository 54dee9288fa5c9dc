"""Statement helpers shared by the SQL repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from application.ports.repositories import Keyset


def after_keyset(
    at_col: ColumnElement[Any], id_col: ColumnElement[Any], after: Keyset, *, descending: bool
) -> ColumnElement[bool]:
    key = tuple_(at_col, id_col)
    bound = tuple_(
        bindparam(None, after.at, type_=at_col.type), bindparam(None, after.id, type_=id_col.type)
    )
    return key < bound if descending else key > bound


def on_conflict_do_nothing(conn: AsyncConnection, table: Any, *columns: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect (SQLite or Postgres)."""
    insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return insert_(table).on_conflict_do_nothing(index_elements=list(columns))
