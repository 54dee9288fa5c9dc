"""email skeleton: no two accounts with addresses that read alike

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:30:00.000000

Stored addresses are normalised again under the current rules (NFKC, case-folded) and keyed
by their confusable skeleton, which becomes unique. Rows that cannot hold these rules (an
address now refused, two accounts whose addresses read alike) are never merged or dropped
here: the migration stops before changing anything and names them, for an operator to settle
(`python -m entrypoints.cli lookalikes` lists them the same way, before or after).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.lookalikes import survey
from adapters.text.skeletons import Uts39Skeleton

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_users_email_skeleton"


class LookalikeAddresses(RuntimeError):
    pass


def upgrade() -> None:
    conn = op.get_bind()
    found, scratch = survey(conn, Uts39Skeleton())
    if not found.clean:
        raise LookalikeAddresses(
            "\n".join(
                [
                    "0004 stopped before changing anything: stored addresses break the new rules.",
                    *found.lines(),
                    "Change the address of (PATCH /api/v1/users/{id} as an administrator) or "
                    "delete all but one account of each group and every refused address, then "
                    "migrate again; `python -m entrypoints.cli lookalikes` lists what is left.",
                ]
            )
        )
    columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
    if (
        "email_skeleton" not in columns
    ):  # a SQLite run cut short may have added it (no DDL rollback)
        # The default only lets existing rows take the column; the backfill below replaces it.
        # A constant default keeps SQLite from rebuilding the table, which would cascade-delete
        # every post, follow and session through their foreign keys.
        with op.batch_alter_table("users") as batch:
            batch.add_column(
                sa.Column("email_skeleton", sa.String(64), nullable=False, server_default="")
            )
    users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("email_skeleton"))
    mine = scratch.c.id == users.c.id
    op.execute(
        users.update().values(
            email=sa.select(scratch.c.email).where(mine).scalar_subquery(),
            email_skeleton=sa.select(scratch.c.email_skeleton).where(mine).scalar_subquery(),
        )
    )
    scratch.drop(conn)
    op.create_index(INDEX, "users", ["email_skeleton"], unique=True)
    if conn.dialect.name != "sqlite":  # on SQLite, dropping it would rebuild the table (above)
        op.alter_column("users", "email_skeleton", server_default=None)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")
    # Native DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, see upgrade().
    # Addresses stay in their new spelling, which the previous code reads as it is.
    op.execute("ALTER TABLE users DROP COLUMN email_skeleton")
