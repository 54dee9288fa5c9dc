"""idempotency keys: the answers Idempotency-Keys replay, kept with their resources

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.ddl import (
    create_indexes,
    drop_indexes,
    integer,
    moment,
    primary_key,
    string,
)

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        string("scope", 100),
        string("path", 200),
        string("key", 255),
        string("fingerprint", 64),
        integer("status"),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        moment("created_at"),
        moment("expires_at"),
        primary_key("idempotency_keys", "scope", "path", "key"),
    )
    create_indexes("idempotency_keys", {"ix_idempotency_keys_expires_at": ["expires_at"]})


def downgrade() -> None:
    drop_indexes("idempotency_keys", ["ix_idempotency_keys_expires_at"])
    op.drop_table("idempotency_keys")
