"""audit log: security events for administrators (2026-12-02 10:12:40.118204)"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy import ddl

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
        ddl.uuid("id"),
        ddl.moment("occurred_at"),
        ddl.string("kind", 64),
        ddl.uuid("actor_id", nullable=True),
        ddl.uuid("subject_id", nullable=True),
        ddl.string("client", 100, nullable=True),
        ddl.string("request_id", 128, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        ddl.primary_key("audit_events"),
    )
    ddl.create_indexes("audit_events", _INDEXES)


def downgrade() -> None:
    ddl.drop_indexes("audit_events", list(_INDEXES))
    op.drop_table("audit_events")
