"""email skeleton: no two accounts with addresses that read alike (2026-12-04 16:30:00.000000)

Stored addresses are normalised again under the current rules (NFKC, case-folded) and keyed
by their confusable skeleton, which becomes unique. Rows that cannot hold these rules (an
address now refused, two accounts whose addresses read alike) are never merged or dropped
here: the migration stops before changing anything and names them, for an operator to settle
(`python -m entrypoints.cli lookalikes` lists them the same way, before or after).

Expand only, for rolling deploys: replicas of the release before keep inserting users
without the key while this runs and until they are replaced, so the column stays nullable
(a unique index treats NULLs as distinct, in Postgres and SQLite alike) and has no default.
`python -m entrypoints.cli lookalikes --backfill` keys what they wrote, once they are gone;
a later release makes the column NOT NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.lookalikes import key_rows, survey
from adapters.text.skeletons import Uts39Skeleton

revision: str = "0004"
down_revision: str | None = "0003"

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
    inspector = sa.inspect(conn)
    # A SQLite run cut short may have added these already (no DDL rollback there).
    if "email_skeleton" not in {c["name"] for c in inspector.get_columns("users")}:
        # op.add_column, not batch mode: SQLite adds it in place, where a rebuilt table would
        # cascade-delete every post, follow and session through their foreign keys.
        op.add_column("users", sa.Column("email_skeleton", sa.String(64), nullable=True))
    key_rows(conn, scratch)  # rows inserted after the survey stay NULL, for the backfill
    scratch.drop(conn)
    if INDEX not in {i["name"] for i in inspector.get_indexes("users")}:
        op.create_index(INDEX, "users", ["email_skeleton"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")
    # Native DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, see upgrade().
    # Addresses stay in their new spelling, which the previous code reads as it is.
    op.execute("ALTER TABLE users DROP COLUMN email_skeleton")
