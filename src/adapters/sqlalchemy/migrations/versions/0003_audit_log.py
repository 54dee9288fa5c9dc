"""audit log: security events for administrators

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:12:40.118204
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_audit_events_occurred_at_id": ["occurred_at", "id"],
    "ix_audit_events_subject_id_occurred_at_id": ["subject_id", "occurred_at", "id"],
    "ix_audit_events_actor_id_occurred_at_id": ["actor_id", "occurred_at", "id"],
    "ix_audit_events_kind_occurred_at_id": ["kind", "occurred_at", "id"],
}


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name, columns in _INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name in reversed(_INDEXES):
            batch_op.drop_index(name)

    op.drop_table("audit_events")
