"""idempotency keys: the answers Idempotency-Keys replay, kept with their resources

2026-12-04 16:40
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy import ddl

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        ddl.string("scope", 100),
        ddl.string("path", 200),
        ddl.string("key", 255),
        ddl.string("fingerprint", 64),
        ddl.integer("status"),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        ddl.moment("created_at"),
        ddl.moment("expires_at"),
        ddl.primary_key("idempotency_keys", "scope", "path", "key"),
    )
    ddl.create_indexes("idempotency_keys", {"ix_idempotency_keys_expires_at": ["expires_at"]})


def downgrade() -> None:
    ddl.drop_indexes("idempotency_keys", ["ix_idempotency_keys_expires_at"])
    op.drop_table("idempotency_keys")
