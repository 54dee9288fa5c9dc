"""The column and constraint shapes the migrations repeat, spelled once.

Each helper builds exactly what Alembic's autogenerate wrote for tables.py (names final, as
`op.f` marks them), so a migration reads as the list of its columns; the schema test compares
the migrated database with tables.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from alembic import op


def uuid(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Uuid(), nullable=nullable)


def moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def string(name: str, length: int, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def integer(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), nullable=False)


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def unique(table: str, column: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(column, name=op.f(f"uq_{table}_{column}"))


def user_owned(table: str, column: str) -> sa.ForeignKeyConstraint:
    """The row goes with the user it belongs to."""
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="CASCADE"
    )


def create_indexes(table: str, indexes: Mapping[str, Sequence[str]]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.create_index(op.f(name), list(columns), unique=False)


def drop_indexes(table: str, names: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in reversed(names):
            batch_op.drop_index(op.f(name))
