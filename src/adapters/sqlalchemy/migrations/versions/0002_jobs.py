"""jobs: outbox state, email tokens, notifications (2026-11-24 21:57:22.430257)"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy import ddl

revision: str = "0002"
down_revision: str | None = "0001"


_INDEXES = {
    "email_tokens": {
        "ix_email_tokens_expires_at": ["expires_at"],
        "ix_email_tokens_user_id": ["user_id"],
    },
    "notifications": {
        "ix_notifications_recipient_id_created_at_id": ["recipient_id", "created_at", "id"],
    },
}


def upgrade() -> None:
    op.create_table(
        "email_tokens",
        ddl.uuid("id"),
        ddl.uuid("event_id"),
        ddl.uuid("user_id"),
        ddl.string("purpose", 16),
        ddl.string("email", 254),
        ddl.string("token_hash", 64),
        ddl.integer("token_version"),
        ddl.moment("created_at"),
        ddl.moment("expires_at"),
        ddl.moment("used_at", nullable=True),
        ddl.user_owned("email_tokens", "user_id"),
        ddl.primary_key("email_tokens"),
        ddl.unique("email_tokens", "event_id"),
        ddl.unique("email_tokens", "token_hash"),
    )
    op.create_table(
        "notifications",
        ddl.uuid("id"),
        ddl.uuid("recipient_id"),
        ddl.string("kind", 32),
        sa.Column("payload", sa.JSON(), nullable=False),
        ddl.uuid("event_id"),
        ddl.moment("created_at"),
        ddl.moment("read_at", nullable=True),
        ddl.user_owned("notifications", "recipient_id"),
        ddl.primary_key("notifications"),
        sa.UniqueConstraint(
            "event_id", "recipient_id", name="uq_notifications_event_id_recipient_id"
        ),
    )
    for table, indexes in _INDEXES.items():
        ddl.create_indexes(table, indexes)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(ddl.moment("processed_at", nullable=True))
        batch_op.add_column(ddl.moment("dead_at", nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))

    # Events committed before this migration had no relay: they are history, not work.
    # Without this, every old sign-up, follow and post would be mailed and fanned out now.
    outbox = sa.table(
        "outbox",
        sa.column("dispatched_at", sa.DateTime(timezone=True)),
        sa.column("processed_at", sa.DateTime(timezone=True)),
    )
    now = sa.func.current_timestamp()
    op.execute(
        outbox.update()
        .where(outbox.c.dispatched_at.is_(None))
        .values(dispatched_at=now, processed_at=now)
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("dead_at")
        batch_op.drop_column("processed_at")
    for table, indexes in reversed(_INDEXES.items()):
        ddl.drop_indexes(table, list(indexes))
        op.drop_table(table)
