"""audit log: security events for administrators

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:12:40.118204
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.ddl import create_indexes, drop_indexes, moment, primary_key, string, uuid

revision: str = "0003"
down_revision: str | None = "0002"

_INDEXES = {
    "ix_audit_events_occurred_at_id": ["occurred_at", "id"],
    "ix_audit_events_subject_id_occurred_at_id": ["subject_id", "occurred_at", "id"],
    "ix_audit_events_actor_id_occurred_at_id": ["actor_id", "occurred_at", "id"],
    "ix_audit_events_kind_occurred_at_id": ["kind", "occurred_at", "id"],
}


def upgrade() -> None:
    op.create_table(
        "audit_events",
        uuid("id"),
        moment("occurred_at"),
        string("kind", 64),
        uuid("actor_id", nullable=True),
        uuid("subject_id", nullable=True),
        string("client", 100, nullable=True),
        string("request_id", 128, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        primary_key("audit_events"),
    )
    create_indexes("audit_events", _INDEXES)


def downgrade() -> None:
    drop_indexes("audit_events", list(_INDEXES))
    op.drop_table("audit_events")
